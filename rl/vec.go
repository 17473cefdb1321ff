package rl

import (
	"fmt"
	"runtime"
	"sync"
)

// Vec steps many environments of the same specs at once: observations and actions are row-major
// [env][component] slices. Steps are split into contiguous blocks of environments run on up to
// Workers goroutines; each environment's result depends only on its own actions and seeds.
type Vec struct {
	envs         []Env
	obsDim, aDim int
	workers      int
}

// minPerWorker is the fewest environments worth a goroutine (a maze step is ~100 ns).
const minPerWorker = 256

// NewVec wraps envs (all with the same observation and action dimensions). workers <= 0 uses
// GOMAXPROCS.
func NewVec(envs []Env, workers int) (*Vec, error) {
	if len(envs) == 0 {
		return nil, fmt.Errorf("rl: vec needs at least one environment")
	}
	o, a := envs[0].ObservationSpec().Dim(), envs[0].ActionSpec().Dim()
	for i, e := range envs {
		if e.ObservationSpec().Dim() != o || e.ActionSpec().Dim() != a {
			return nil, fmt.Errorf("rl: vec environment %d has dims (%d, %d), environment 0 (%d, %d)", i,
				e.ObservationSpec().Dim(), e.ActionSpec().Dim(), o, a)
		}
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &Vec{envs: envs, obsDim: o, aDim: a, workers: workers}, nil
}

// NewVecMaze builds n mazes of one configuration.
func NewVecMaze(cfg MazeConfig, n, workers int) (*Vec, error) {
	envs := make([]Env, n)
	for i := range envs {
		m, err := NewMaze(cfg)
		if err != nil {
			return nil, err
		}
		envs[i] = m
	}
	return NewVec(envs, workers)
}

// Len is the number of environments.
func (v *Vec) Len() int { return len(v.envs) }

// Env returns environment i.
func (v *Vec) Env(i int) Env { return v.envs[i] }

// ObservationSpec and ActionSpec are the per-environment specs.
func (v *Vec) ObservationSpec() Box { return v.envs[0].ObservationSpec() }
func (v *Vec) ActionSpec() Box      { return v.envs[0].ActionSpec() }

// Reset resets environment i with seeds[i] and writes all first observations into obs.
func (v *Vec) Reset(seeds []uint64, obs []float64) error {
	if len(seeds) != len(v.envs) || len(obs) != len(v.envs)*v.obsDim {
		return fmt.Errorf("rl: vec reset of %d environments got %d seeds and %d observation values (want %d)",
			len(v.envs), len(seeds), len(obs), len(v.envs)*v.obsDim)
	}
	return v.parallel(func(i int) error {
		return v.envs[i].Reset(seeds[i], obs[i*v.obsDim:(i+1)*v.obsDim])
	})
}

// ResetAt resets one environment (e.g. after it reported Truncated) and writes its observation into
// its row of obs.
func (v *Vec) ResetAt(i int, seed uint64, obs []float64) error {
	if i < 0 || i >= len(v.envs) || len(obs) != len(v.envs)*v.obsDim {
		return fmt.Errorf("rl: vec reset of environment %d of %d with %d observation values", i, len(v.envs), len(obs))
	}
	return v.envs[i].Reset(seed, obs[i*v.obsDim:(i+1)*v.obsDim])
}

// Step applies actions (Len() x action dim) and writes observations and transitions.
func (v *Vec) Step(actions, obs []float64, tr []Transition) error {
	n := len(v.envs)
	if len(actions) != n*v.aDim || len(obs) != n*v.obsDim || len(tr) != n {
		return fmt.Errorf("rl: vec step of %d environments got %d action values, %d observation values, %d transitions (want %d, %d, %d)",
			n, len(actions), len(obs), len(tr), n*v.aDim, n*v.obsDim, n)
	}
	return v.parallel(func(i int) error {
		t, err := v.envs[i].Step(actions[i*v.aDim:(i+1)*v.aDim], obs[i*v.obsDim:(i+1)*v.obsDim])
		tr[i] = t
		if err != nil {
			return fmt.Errorf("environment %d: %w", i, err)
		}
		return nil
	})
}

// parallel runs f(0..n-1) in blocks and returns the error of the lowest failing index.
func (v *Vec) parallel(f func(i int) error) error {
	n := len(v.envs)
	w := min(v.workers, max(1, n/minPerWorker))
	if w <= 1 {
		for i := 0; i < n; i++ {
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, w)
	var wg sync.WaitGroup
	for b := 0; b < w; b++ {
		lo, hi := b*n/w, (b+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				if err := f(i); err != nil {
					errs[b] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
