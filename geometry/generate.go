package geometry

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/internal/parallel"
)

// SystemNames lists the N-body systems.
func SystemNames() []string { return []string{"charged", "springs", "gravity"} }

// NewSystem returns a system by name with n particles (0: GeoTDM's 5 charged, 5 springs, 10 gravity).
func NewSystem(name string, n int) (System, error) {
	if n == 0 {
		n = 5
		if name == "gravity" {
			n = 10
		}
	}
	if n < 2 {
		return nil, fmt.Errorf("geometry: %s needs at least 2 particles, got %d", name, n)
	}
	switch name {
	case "charged":
		return NewCharged(n), nil
	case "springs":
		return NewSprings(n), nil
	case "gravity":
		return NewGravity(n), nil
	}
	return nil, fmt.Errorf("geometry: unknown system %q (want charged, springs or gravity)", name)
}

// Split is a named part of a dataset (train, val, test) and its number of trajectories.
type Split struct {
	Name  string
	Count int
}

// DefaultSplits are GeoTDM's sizes: 3000 training trajectories (of the 10000 its script generates,
// the number it trains on), 2000 validation and 2000 test trajectories.
func DefaultSplits() []Split {
	return []Split{{"train", 3000}, {"val", 2000}, {"test", 2000}}
}

// GenerateConfig selects the trajectories [Start, Start+Count) of one split.
type GenerateConfig struct {
	Seed    uint64
	Split   string
	Start   int
	Count   int
	Run     Run
	Workers int // <= 0: GOMAXPROCS
	// Progress, when set, is called from the calling goroutine after each emitted trajectory.
	Progress func(done, total int)
}

// Domain is the StreamRNG domain of a system's split: "<name>/<split>".
func Domain(sys System, split string) string { return sys.Name() + "/" + split }

// SimulateIndex produces trajectory index of a split exactly as Generate does: it samples from
// StreamRNG(seed, Domain(sys, split), index) and simulates.
func SimulateIndex(sys System, seed uint64, split string, index int, r Run) (*Trajectory, error) {
	s, p := sys.Sample(StreamRNG(seed, Domain(sys, split), uint64(index)))
	t, err := sys.Simulate(s, p, r)
	if err != nil {
		return nil, fmt.Errorf("%s trajectory %d: %w", split, index, err)
	}
	return t, nil
}

// Generate simulates the configured trajectories on Workers goroutines and calls emit for each in
// index order from the calling goroutine (so a writer needs no locking). At most a few trajectories
// per worker are held in memory. The output does not depend on the number of workers. It stops at the
// first error from a simulation, from emit or from ctx.
func Generate(ctx context.Context, sys System, cfg GenerateConfig, emit func(index int, t *Trajectory) error) error {
	if cfg.Count < 0 || cfg.Start < 0 {
		return fmt.Errorf("geometry generate: start %d and count %d must be >= 0", cfg.Start, cfg.Count)
	}
	if err := cfg.Run.check(); err != nil {
		return err
	}
	return parallel.Ordered(ctx, 0, cfg.Count, cfg.Workers, func(_ context.Context, i int) (*Trajectory, error) {
		return SimulateIndex(sys, cfg.Seed, cfg.Split, cfg.Start+i, cfg.Run)
	}, func(i int, t *Trajectory) error {
		if err := emit(cfg.Start+i, t); err != nil {
			return err
		}
		if cfg.Progress != nil {
			cfg.Progress(i+1, cfg.Count)
		}
		return nil
	})
}
