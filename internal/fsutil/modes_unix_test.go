//go:build unix

package fsutil_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/internal/fsutil"
	"github.com/trajdiff/trajdiff/internal/fsutil/fsutiltest"
)

// Atomic writes and temporary directories come out as os.Create / os.Mkdir would make them, whatever the
// umask: readable by others under 0022, private under 0077.
func TestWritesHaveOrdinaryPermissions(t *testing.T) {
	for _, mask := range []int{0o022, 0o077, 0o002} {
		root := filepath.Join(t.TempDir(), "out")
		fsutiltest.WithUmask(t, mask, func() {
			if err := os.Mkdir(root, 0o777); err != nil {
				t.Fatal(err)
			}
			if err := fsutil.WriteFileAtomic(filepath.Join(root, "a.json"), []byte("{}")); err != nil {
				t.Fatal(err)
			}
			f, err := fsutil.CreateAtomic(filepath.Join(root, "b.bin"))
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("b")
			if err := f.Commit(); err != nil {
				t.Fatal(err)
			}
			dir, err := fsutil.MkdirTemp(root, ".step.tmp-")
			if err != nil {
				t.Fatal(err)
			}
			if err := fsutil.WriteFileAtomic(filepath.Join(dir, "c"), nil); err != nil {
				t.Fatal(err)
			}
		})
		if files, dirs := fsutiltest.RequireOrdinaryModes(t, root, mask); files != 3 || dirs != 2 {
			t.Fatalf("checked %d files and %d directories, want 3 and 2", files, dirs)
		}
	}
}

func TestTemporaryNamesAreFreshAndPrefixed(t *testing.T) {
	dir := t.TempDir()
	seen := map[string]bool{}
	for range 50 {
		f, err := fsutil.CreateTemp(dir, ".x.tmp-")
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		base := filepath.Base(f.Name())
		if seen[base] || len(base) <= len(".x.tmp-") || base[:len(".x.tmp-")] != ".x.tmp-" {
			t.Fatalf("bad or repeated temporary name %q", base)
		}
		seen[base] = true
	}
	if _, err := fsutil.MkdirTemp(filepath.Join(dir, "missing"), "d"); err == nil {
		t.Fatal("MkdirTemp in a missing directory succeeded")
	}
}
