package pde

import (
	"context"

	"github.com/trajdiff/trajdiff/datasets"
)

// FieldSystem is a configured PDE generator whose trajectories are the rows of a fields dataset
// (docs/datasets.md). Each system package's Generator implements it, so WriteFields and the CLI need
// know nothing about a system beyond this.
type FieldSystem interface {
	// Name is the system's name ("advection", "burgers", "cns", "smoke").
	Name() string
	// FieldSpec is the dataset layout of the trajectories.
	FieldSpec() datasets.FieldSpec
	// DatasetParams are the resolution and physics parameters recorded in the dataset's generator
	// metadata, so that a reader can regenerate the data.
	DatasetParams() map[string]any
	// DatasetDescription says what the state, control and parameter columns hold.
	DatasetDescription() string
	// NewRows returns one worker's row function, owning its own solver.
	NewRows() (RowFunc, error)
}

// RowFunc returns the dataset row of global trajectory index of a dataset with seed; the row depends on
// (seed, index) only.
type RowFunc func(ctx context.Context, seed uint64, index int) (datasets.FieldTrajectory, error)

// Rows makes a RowFunc from a generator's solver constructor, its trajectory function and the mapping of
// a trajectory (with the solver that computed it) to a dataset row: the shape of every system's NewRows.
func Rows[S, Tr any](newSolver func() (S, error), trajectory func(context.Context, S, uint64, int) (Tr, error),
	row func(S, Tr) datasets.FieldTrajectory) (RowFunc, error) {
	s, err := newSolver()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, seed uint64, index int) (datasets.FieldTrajectory, error) {
		tr, err := trajectory(ctx, s, seed, index)
		if err != nil {
			return datasets.FieldTrajectory{}, err
		}
		return row(s, tr), nil
	}, nil
}
