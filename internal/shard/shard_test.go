package shard

import "testing"

// TestRangePartitions: for every total and n, the shards are contiguous, in order, cover [0, total)
// exactly and differ in size by at most one.
func TestRangePartitions(t *testing.T) {
	for _, total := range []int{0, 1, 2, 7, 100, 1001} {
		for _, n := range []int{1, 2, 3, 7, 16} {
			prev, small, large := 0, total, 0
			for i := range n {
				lo, hi, err := Range(total, i, n)
				if err != nil {
					t.Fatal(err)
				}
				if lo != prev || hi < lo {
					t.Fatalf("total %d, shard %d/%d: [%d, %d) after %d", total, i, n, lo, hi, prev)
				}
				prev = hi
				small, large = min(small, hi-lo), max(large, hi-lo)
			}
			if prev != total || large-small > 1 {
				t.Fatalf("total %d over %d shards: ends at %d, sizes %d..%d", total, n, prev, small, large)
			}
		}
	}
}

func TestRangeRejects(t *testing.T) {
	for _, c := range [][3]int{{10, 2, 2}, {10, -1, 2}, {10, 0, 0}, {-1, 0, 1}} {
		if _, _, err := Range(c[0], c[1], c[2]); err == nil {
			t.Errorf("Range(%d, %d, %d): no error", c[0], c[1], c[2])
		}
	}
}

func TestParse(t *testing.T) {
	for s, want := range map[string][2]int{"0/1": {0, 1}, "3/16": {3, 16}, "15/16": {15, 16}} {
		i, n, err := Parse(s)
		if err != nil || i != want[0] || n != want[1] {
			t.Errorf("Parse(%q) = %d, %d, %v", s, i, n, err)
		}
	}
	for _, s := range []string{"", "x", "1", "2/2", "-1/2", "1/0", "a/b", "1/2/3", " 1/2"} {
		if _, _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q): no error", s)
		}
	}
}
