// Package parallel runs independent items (trajectories, episodes, dataset chunks) on all cores while
// keeping their output order, so generated data never depend on the number of workers.
package parallel

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// Ordered computes produce(ctx, i) for every i in [lo, hi) on workers goroutines (all cores when
// workers < 1) and calls consume(i, v) from the calling goroutine in increasing i, so output order and
// content never depend on the number of workers. At most 2*workers results wait for consumption. The
// first error (of produce, consume or ctx) cancels the remaining work and is returned.
func Ordered[T any](ctx context.Context, lo, hi, workers int,
	produce func(ctx context.Context, i int) (T, error), consume func(i int, v T) error) error {
	if hi <= lo {
		return ctx.Err()
	}
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, hi-lo)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type result struct {
		i   int
		v   T
		err error
	}
	window := 2 * workers
	tokens := make(chan struct{}, window) // one per dispatched, not yet consumed index
	jobs := make(chan int)
	results := make(chan result, window) // never blocks: at most window results outstanding
	go func() {
		defer close(jobs)
		for i := lo; i < hi; i++ {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := ctx.Err(); err != nil {
					results <- result{i: i, err: err}
					continue
				}
				v, err := produce(ctx, i)
				results <- result{i: i, v: v, err: err}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	pending := map[int]T{}
	next := lo
	var first error
	for r := range results {
		if first != nil {
			continue // drain
		}
		if r.err != nil {
			first = fmt.Errorf("item %d: %w", r.i, r.err)
			cancel()
			continue
		}
		pending[r.i] = r.v
		for {
			v, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if err := consume(next, v); err != nil {
				first = err
				cancel()
				break
			}
			next++
			<-tokens
		}
	}
	if first != nil {
		return first
	}
	if next < hi {
		return ctx.Err()
	}
	return nil
}
