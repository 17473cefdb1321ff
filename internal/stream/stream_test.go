package stream

import "testing"

func TestStreamsDifferAndRepeat(t *testing.T) {
	a := RNG(1, "x", 0, "t").Uint64()
	if a != RNG(1, "x", 0, "t").Uint64() {
		t.Fatal("same key, different stream")
	}
	for _, b := range []uint64{RNG(2, "x", 0, "t").Uint64(), RNG(1, "y", 0, "t").Uint64(), RNG(1, "x", 1, "t").Uint64(), RNG(1, "x", 0, "u").Uint64()} {
		if a == b {
			t.Fatal("different keys gave the same first draw")
		}
	}
}
