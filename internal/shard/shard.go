// Package shard is trajdiff's one rule for splitting a generated dataset into array-job shards: shard i
// of n owns a contiguous block of the global item indices, blocks in order and differing in size by at
// most one, so that shards written separately concatenate (and merge) to the unsharded dataset. Every
// generator (PDE trajectories, N-body splits, maze2d chunks) and the CLI's --shard flag use it; FromEnv and
// Resolve take the shard of a Slurm job-array task or Kubernetes Indexed Job pod from the environment.
package shard

import (
	"fmt"
	"strconv"
	"strings"
)

// Range returns the half-open index range [lo, hi) that shard i of n owns out of total items:
// [total*i/n, total*(i+1)/n). A shard may be empty when n > total.
func Range(total, i, n int) (lo, hi int, err error) {
	if n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("shard %d/%d: want 0 <= i < n", i, n)
	}
	if total < 0 {
		return 0, 0, fmt.Errorf("shard %d/%d: negative total %d", i, n, total)
	}
	// 64-bit products: total*(i+1) overflows int only beyond 2^63 items, far past any dataset.
	return total * i / n, total * (i + 1) / n, nil
}

// Parse parses "i/n" with 0 <= i < n, the form of a job-array index and its size (e.g. "3/16").
func Parse(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("shard %q: want i/n with 0 <= i < n (e.g. 3/16 for the 4th of 16 array tasks)", s)
	}
	return i, n, nil
}
