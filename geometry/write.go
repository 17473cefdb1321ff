package geometry

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/internal/shard"
)

// WriteConfig selects the trajectories WriteSplit writes: shard Shard of Shards of a split.
type WriteConfig struct {
	Seed uint64 // at most 2^63-1 (datasets record seeds as int64)
	// Split is the split's name and its number of trajectories over all shards.
	Split Split
	// Shard of Shards selects a contiguous block of the split (internal/shard's rule); Shards 0 means 1.
	Shard, Shards int
	Run           Run
	Workers       int // <= 0: GOMAXPROCS
	// Progress, when set, is called from the calling goroutine after each written trajectory with the
	// trajectories written and the shard's total.
	Progress func(done, total int)
}

// SplitFile is the file name of one split's shard: "<split><ext>", or "<split>-<i>-of-<n><ext>" (five
// digits each) when n > 1, so the shards of a split sort together and in order.
func SplitFile(split string, i, n int, ext string) string {
	if n > 1 {
		return fmt.Sprintf("%s-%05d-of-%05d%s", split, i, n, ext)
	}
	return split + ext
}

// WriteSplit simulates the trajectories of cfg's shard of a split and writes them as a geometric
// dataset (DatasetSpec, DatasetRow) at path, atomically. Episode ids are global trajectory indices, so
// shards written separately open and merge together. opts sets the format, compression, element type
// and Overwrite; WriteSplit sets FirstID, Description and the generator's seed and parameters, keeping
// opts.Generator's Name and Version (default "trajdiff/geometry <system>", "1"). It returns the global
// index range [lo, hi) written.
func WriteSplit(ctx context.Context, path string, sys System, cfg WriteConfig, opts datasets.WriteOptions) (lo, hi int, err error) {
	if cfg.Shards == 0 {
		cfg.Shards = 1
	}
	if lo, hi, err = shard.Range(cfg.Split.Count, cfg.Shard, cfg.Shards); err != nil {
		return 0, 0, fmt.Errorf("geometry: %w", err)
	}
	if cfg.Seed > math.MaxInt64 {
		return 0, 0, fmt.Errorf("geometry: seed %d exceeds 2^63-1", cfg.Seed)
	}
	if err := cfg.Run.check(); err != nil {
		return 0, 0, err
	}
	spec := DatasetSpec(sys, cfg.Run)
	opts.FirstID = int64(lo) // the global trajectory index, so shards merge without renumbering
	opts.Generator = splitGenerator(opts.Generator, sys, cfg, spec.Frames, lo, hi)
	opts.Description = fmt.Sprintf("%s N-body trajectories (%s split, trajectories %d..%d of %d) from trajdiff's re-implementation of synthetic_sim.py (NRI/EGNN/GeoTDM)",
		sys.Name(), cfg.Split.Name, lo, hi-1, cfg.Split.Count)
	w, err := datasets.CreateGeometric(path, spec, opts)
	if err != nil {
		return 0, 0, err
	}
	err = Generate(ctx, sys, GenerateConfig{Seed: cfg.Seed, Split: cfg.Split.Name, Start: lo, Count: hi - lo, Run: cfg.Run,
		Workers: cfg.Workers, Progress: cfg.Progress}, func(_ int, t *Trajectory) error {
		return w.Write(DatasetRow(spec, t))
	})
	if err != nil {
		w.Abort()
		return 0, 0, err
	}
	if err := w.Close(); err != nil {
		return 0, 0, err
	}
	return lo, hi, nil
}

// splitGenerator is the generator metadata of a split's shard: what a reader needs to regenerate it.
func splitGenerator(g datasets.Generator, sys System, cfg WriteConfig, frames, lo, hi int) datasets.Generator {
	if g.Name == "" {
		g.Name, g.Version = "trajdiff/geometry "+sys.Name(), "1"
	}
	g.Seed = int64(cfg.Seed)
	g.Params = map[string]any{
		"split": cfg.Split.Name, "total_trajectories": cfg.Split.Count, "shard": fmt.Sprintf("%d/%d", cfg.Shard, cfg.Shards),
		"first_trajectory": lo, "trajectories": hi - lo, "nodes": sys.Nodes(),
		"steps": cfg.Run.Steps, "sample_freq": cfg.Run.SampleFreq, "frames": frames, "dt": sys.Dt(),
		"rng": "ChaCha8(seed, " + Domain(sys, cfg.Split.Name) + ", index)",
	}
	if frames == 30 && cfg.Run.Steps == 5000 && cfg.Run.SampleFreq == 100 {
		g.Params["geotdm_protocol"] = "frames 0-9 condition, frames 10-29 are predicted"
	}
	return g
}
