package rl

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// orderedMap computes f(0..n-1) on workers goroutines (at most 4 results per worker pending) and
// hands the results to sink in index order from the calling goroutine.
func orderedMap[T any](ctx context.Context, n, workers int, f func(int) (T, error), sink func(int, T) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		i   int
		v   T
		err error
	}
	window := 4 * workers
	sem := make(chan struct{}, window)
	jobs := make(chan int)
	out := make(chan result, window)
	go func() {
		defer close(jobs)
		for i := 0; i < n; i++ {
			select {
			case sem <- struct{}{}:
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
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				v, err := f(i)
				select {
				case out <- result{i, v, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	pending := map[int]result{}
	next := 0
	var err error
	for r := range out {
		if err != nil {
			continue // draining after a failure
		}
		pending[r.i] = r
		for {
			p, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if err = p.err; err == nil {
				err = sink(next, p.v)
			}
			if err != nil {
				cancel()
				break
			}
			<-sem
			next++
		}
	}
	if err != nil {
		return err
	}
	if next < n {
		return fmt.Errorf("stopped after %d of %d: %w", next, n, context.Cause(ctx))
	}
	return nil
}
