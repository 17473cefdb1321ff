package pde

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"github.com/trajdiff/trajdiff/datasets"
)

// WriteConfig selects the trajectories WriteFields writes: shard Shard of Shards of a dataset of Total
// trajectories.
type WriteConfig struct {
	// Total is the number of trajectories of the dataset over all shards.
	Total int
	Seed  uint64 // at most 2^63-1 (datasets record seeds as int64)
	// Shard of Shards selects a contiguous block of [0, Total) (see Shard); Shards 0 means 1.
	Shard, Shards int
	Workers       int // <= 0: GOMAXPROCS; each worker owns one solver
	// Progress, when set, is called from the calling goroutine after each written trajectory with the
	// trajectories written and the shard's total.
	Progress func(done, total int)
}

// WriteFields generates the trajectories of cfg's shard on cfg.Workers solvers and writes them in index
// order as a fields dataset at path, atomically; the file does not depend on the number of workers. A
// BatchFieldSystem is run in blocks of trajectories on its batched solver.
// Trajectory ids are global indices, so shards written separately open and merge together. opts sets
// the format, compression, element type and Overwrite; WriteFields sets FirstID, Description and the
// generator's seed and parameters, keeping opts.Generator's Name and Version (default
// "trajdiff/pde <system>", "1"). It returns the global index range [lo, hi) written.
func WriteFields(ctx context.Context, path string, sys FieldSystem, cfg WriteConfig, opts datasets.WriteOptions) (lo, hi int, err error) {
	if cfg.Shards == 0 {
		cfg.Shards = 1
	}
	if lo, hi, err = Shard(cfg.Total, cfg.Shard, cfg.Shards); err != nil {
		return 0, 0, err
	}
	if cfg.Seed > math.MaxInt64 {
		return 0, 0, Invalidf("seed %d exceeds 2^63-1", cfg.Seed)
	}
	workers := cfg.Workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, hi-lo))
	bsys, batched := sys.(BatchFieldSystem)
	batched = batched && bsys.BatchSize() > 1
	pool := make(chan RowFunc, workers)
	for w := 0; w < workers && !batched; w++ {
		rows, err := sys.NewRows()
		if err != nil {
			return 0, 0, err
		}
		pool <- rows
	}
	opts.FirstID = int64(lo) // global trajectory index, so shards open and merge together
	opts.Description = sys.DatasetDescription()
	opts.Generator = fieldsGenerator(opts.Generator, sys, cfg, lo, hi)
	sink, err := datasets.CreateFields(path, sys.FieldSpec(), opts)
	if err != nil {
		return 0, 0, err
	}
	write := func(i int, row datasets.FieldTrajectory) error {
		if err := sink.Write(row); err != nil {
			return fmt.Errorf("trajectory %d: %w", i, err)
		}
		if cfg.Progress != nil {
			cfg.Progress(i-lo+1, hi-lo)
		}
		return nil
	}
	if batched {
		err = writeBatched(ctx, bsys, cfg, lo, hi, workers, write)
	} else {
		err = RunOrdered(ctx, lo, hi, workers,
			func(ctx context.Context, i int) (datasets.FieldTrajectory, error) {
				rows := <-pool
				defer func() { pool <- rows }()
				return rows(ctx, cfg.Seed, i)
			}, write)
	}
	if err != nil {
		sink.Abort()
		return 0, 0, err
	}
	if err := sink.Close(); err != nil {
		return 0, 0, err
	}
	return lo, hi, nil
}

// fieldsGenerator is the generator metadata of a shard: the system's parameters and the shard's place
// in the dataset.
func fieldsGenerator(g datasets.Generator, sys FieldSystem, cfg WriteConfig, lo, hi int) datasets.Generator {
	if g.Name == "" {
		g.Name, g.Version = "trajdiff/pde "+sys.Name(), "1"
	}
	g.Seed = int64(cfg.Seed)
	g.Params = map[string]any{"total_trajectories": cfg.Total, "shard": fmt.Sprintf("%d/%d", cfg.Shard, cfg.Shards),
		"first_trajectory": lo, "trajectories": hi - lo}
	for k, v := range sys.DatasetParams() {
		g.Params[k] = v
	}
	return g
}
