package pde

import (
	"context"

	"github.com/trajdiff/trajdiff/internal/parallel"
)

// RunOrdered computes produce(ctx, i) for every i in [lo, hi) on workers goroutines (all cores when
// workers < 1) and calls consume(i, v) from the calling goroutine in increasing i, so output order and
// content never depend on the number of workers. The first error (of produce, consume or ctx) cancels the
// remaining work and is returned.
func RunOrdered[T any](ctx context.Context, lo, hi, workers int,
	produce func(ctx context.Context, i int) (T, error), consume func(i int, v T) error) error {
	return parallel.Ordered(ctx, lo, hi, workers, produce, consume)
}

// Shard returns the half-open index range [lo, hi) of shard i of n over total items: contiguous blocks
// whose sizes differ by at most one, in order, so concatenating shards 0..n-1 gives 0..total-1.
func Shard(total, i, n int) (lo, hi int, err error) {
	if n < 1 || i < 0 || i >= n {
		return 0, 0, Invalidf("shard %d/%d: want 0 <= i < n", i, n)
	}
	if total < 0 {
		return 0, 0, Invalidf("negative total %d", total)
	}
	return total * i / n, total * (i + 1) / n, nil
}
