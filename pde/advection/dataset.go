package advection

import (
	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde"
)

// String is the method's name in dataset metadata and on the command line: "fv" or "exact".
func (m Method) String() string {
	if m == Exact {
		return "exact"
	}
	return "fv"
}

// Generator is the system's pde.FieldSystem, which pde.WriteFields writes; with the finite-volume
// method it does so in batches of BatchWidth trajectories on the batched solver.
var _ pde.BatchFieldSystem = Generator{}

// Name is "advection" (pde.FieldSystem).
func (g Generator) Name() string { return "advection" }

// FieldSpec is the fields-dataset layout: Frames+1 states u on the Cells cell centres, the speed beta as
// the one parameter.
func (g Generator) FieldSpec() datasets.FieldSpec {
	p := g.Params
	return datasets.FieldSpec{Frames: p.Frames + 1, Grid: []int{p.Cells}, StateChannels: 1, ParamDim: 1,
		Dt: p.T / float64(p.Frames), Extent: [][2]float64{{0, 1}}, StateNames: []string{"u"}, ParamNames: []string{"beta"}}
}

// Row is trajectory tr as a dataset row (it shares tr.U).
func (g Generator) Row(tr Trajectory) datasets.FieldTrajectory {
	return datasets.FieldTrajectory{State: tr.U, Params: []float64{g.Params.Beta}}
}

// NewRows returns one worker's row function with its own solver (pde.FieldSystem).
func (g Generator) NewRows() (pde.RowFunc, error) {
	return pde.Rows(g.NewSolver, g.Trajectory, func(_ *Solver, tr Trajectory) datasets.FieldTrajectory { return g.Row(tr) })
}

// BatchSize is BatchWidth for the finite-volume method and 1 (no batching) for the exact shifts
// (pde.BatchFieldSystem).
func (g Generator) BatchSize() int {
	if g.Method == Exact {
		return 1
	}
	return BatchWidth
}

// NewBatchRows returns one worker's batch row function with its own batched solver
// (pde.BatchFieldSystem); its rows are bit-identical to NewRows's.
func (g Generator) NewBatchRows() (pde.BatchRowFunc, error) {
	return pde.BatchRows(g.NewBatchSolver, g.Trajectories, g.Row)
}

// DatasetParams are the parameters recorded in a dataset's generator metadata.
func (g Generator) DatasetParams() map[string]any {
	p := g.Params
	return map[string]any{"beta": p.Beta, "cells": p.Cells, "frames": p.Frames + 1, "T": p.T, "cfl": p.CFL,
		"method": g.Method.String(), "steps_per_frame": p.StepsPerFrame()}
}

// DatasetDescription says what a dataset's columns hold.
func (g Generator) DatasetDescription() string {
	return "PDEBench 1-D advection u_t + beta u_x = 0 on [0, 1), periodic; state u at the cell centres (i+1/2)/N; " +
		"see the documentation of package pde/advection"
}
