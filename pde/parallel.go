package pde

import (
	"context"

	"github.com/trajdiff/trajdiff/internal/parallel"
	"github.com/trajdiff/trajdiff/internal/shard"
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
// whose sizes differ by at most one, in order, so concatenating shards 0..n-1 gives 0..total-1. It is
// internal/shard's rule (the one every generator uses), with errors wrapping ErrInvalidParams.
func Shard(total, i, n int) (lo, hi int, err error) {
	lo, hi, err = shard.Range(total, i, n)
	if err != nil {
		return 0, 0, Invalidf("%v", err)
	}
	return lo, hi, nil
}
