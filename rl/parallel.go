package rl

import (
	"context"

	"github.com/trajdiff/trajdiff/internal/parallel"
)

// orderedMap computes f(0..n-1) on workers goroutines and hands the results to sink in order.
func orderedMap[T any](ctx context.Context, n, workers int, f func(int) (T, error), sink func(int, T) error) error {
	return parallel.Ordered(ctx, 0, n, workers, func(_ context.Context, i int) (T, error) { return f(i) }, sink)
}
