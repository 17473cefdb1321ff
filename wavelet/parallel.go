package wavelet

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Option configures the batched (Array) transforms.
type Option func(*config)

type config struct {
	workers int
	noBlock bool // tests: force the axis-by-axis evaluation
}

// WithWorkers bounds the number of goroutines a batched transform uses; n <= 0 means GOMAXPROCS (the
// default). WithWorkers(1) runs on the calling goroutine.
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.workers <= 0 {
		c.workers = runtime.GOMAXPROCS(0)
	}
	return c
}

// minParallelWork is the number of scalar multiply-adds below which a transform is not worth splitting
// across goroutines (a goroutine start and join costs about a microsecond).
const minParallelWork = 1 << 16

// parallelFor runs body over items [0, n) on up to `workers` goroutines that pull chunks from a shared
// counter (a per-call worker pool). Each worker owns the state returned by newState, so bodies never
// share scratch memory. A panic in a body is re-raised on the calling goroutine.
func parallelFor[S any](n, workers int, work int, newState func() S, body func(s S, lo, hi int)) {
	if n <= 0 {
		return
	}
	if workers > n {
		workers = n
	}
	if workers <= 1 || work < minParallelWork {
		body(newState(), 0, n)
		return
	}
	chunk := n / (workers * 8)
	if chunk < 1 {
		chunk = 1
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var panicked any
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					once.Do(func() { panicked = r })
				}
			}()
			s := newState()
			for {
				lo := int(next.Add(int64(chunk))) - chunk
				if lo >= n {
					return
				}
				hi := min(lo+chunk, n)
				body(s, lo, hi)
			}
		}()
	}
	wg.Wait()
	if panicked != nil {
		panic(fmt.Sprintf("wavelet: worker panic: %v", panicked))
	}
}
