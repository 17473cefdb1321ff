// Package datasetstest holds helpers for tests that need damaged dataset files, which the writers refuse
// to make (non-finite values, for instance).
package datasetstest

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// PatchFloat64 replaces the little-endian float64 old, which must occur exactly once in the file at path,
// by new: a NaN coordinate in an otherwise valid float64 dataset.
func PatchFloat64(t testing.TB, path string, old, new float64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var o, n [8]byte
	binary.LittleEndian.PutUint64(o[:], math.Float64bits(old))
	binary.LittleEndian.PutUint64(n[:], math.Float64bits(new))
	if c := bytes.Count(b, o[:]); c != 1 {
		t.Fatalf("datasetstest: value %v occurs %d times in %s, want once", old, c, path)
	}
	if err := os.WriteFile(path, bytes.Replace(b, o[:], n[:], 1), 0o644); err != nil {
		t.Fatal(err)
	}
}
