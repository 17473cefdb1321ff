package pde

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/datasets"
)

// BatchFieldSystem is a FieldSystem whose solver advances several trajectories together (a batched
// structure-of-arrays solver with SIMD inner loops). WriteFields hands such a system contiguous blocks
// of at most BatchSize trajectories; the rows must be the ones NewRows gives, bit for bit, so the file
// does not depend on the batch size or on whether batching is used.
type BatchFieldSystem interface {
	FieldSystem
	// BatchSize is the largest block one BatchRowFunc call takes; values below 2 disable batching.
	BatchSize() int
	// NewBatchRows returns one worker's batch row function, owning its own solver.
	NewBatchRows() (BatchRowFunc, error)
}

// BatchRowFunc returns the dataset rows of global trajectories [lo, hi) of a dataset with seed, row k
// depending on (seed, lo+k) only. An error names the first trajectory that failed.
type BatchRowFunc func(ctx context.Context, seed uint64, lo, hi int) ([]datasets.FieldTrajectory, error)

// batchBlock is the block size for n trajectories on workers workers: the system's batch size, smaller
// when that would leave workers idle.
func batchBlock(sys BatchFieldSystem, n, workers int) int {
	b := sys.BatchSize()
	if per := (n + workers - 1) / workers; per < b {
		b = per
	}
	return max(1, b)
}

// writeBatched is WriteFields's loop for a BatchFieldSystem: blocks of trajectories [lo, hi) on workers
// batch solvers, written in index order.
func writeBatched(ctx context.Context, sys BatchFieldSystem, cfg WriteConfig, lo, hi, workers int,
	write func(i int, row datasets.FieldTrajectory) error) error {
	bsz := batchBlock(sys, hi-lo, workers)
	blocks := (hi - lo + bsz - 1) / bsz
	workers = max(1, min(workers, blocks))
	pool := make(chan BatchRowFunc, workers)
	for range workers {
		rows, err := sys.NewBatchRows()
		if err != nil {
			return err
		}
		pool <- rows
	}
	return RunOrdered(ctx, 0, blocks, workers,
		func(ctx context.Context, k int) ([]datasets.FieldTrajectory, error) {
			rows := <-pool
			defer func() { pool <- rows }()
			b0 := lo + k*bsz
			return rows(ctx, cfg.Seed, b0, min(hi, b0+bsz))
		},
		func(k int, rows []datasets.FieldTrajectory) error {
			b0 := lo + k*bsz
			if want := min(hi, b0+bsz) - b0; len(rows) != want {
				return fmt.Errorf("trajectories %d..%d: %d rows, want %d", b0, b0+want-1, len(rows), want)
			}
			for j, row := range rows {
				if err := write(b0+j, row); err != nil {
					return err
				}
			}
			return nil
		})
}

// BatchRows builds a BatchRowFunc from a system's batched solver: newSolver makes one worker's solver,
// trajectories solves global trajectories [lo, hi) with it (one error per trajectory), row maps a
// trajectory to its dataset row. The first failed trajectory fails the block, named by its index.
func BatchRows[S, T any](newSolver func() (S, error),
	trajectories func(ctx context.Context, s S, seed uint64, lo, hi int) ([]T, []error, error),
	row func(T) datasets.FieldTrajectory) (BatchRowFunc, error) {
	s, err := newSolver()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, seed uint64, lo, hi int) ([]datasets.FieldTrajectory, error) {
		trs, errs, err := trajectories(ctx, s, seed, lo, hi)
		if err != nil {
			return nil, err
		}
		rows := make([]datasets.FieldTrajectory, len(trs))
		for k, tr := range trs {
			if errs[k] != nil {
				return nil, fmt.Errorf("trajectory %d: %w", lo+k, errs[k])
			}
			rows[k] = row(tr)
		}
		return rows, nil
	}, nil
}
