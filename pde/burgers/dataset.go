package burgers

import (
	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde"
)

// Generator is the system's pde.FieldSystem, which pde.WriteFields writes, in batches of BatchWidth
// trajectories on the batched solver.
var _ pde.BatchFieldSystem = Generator{}

// Name is "burgers" (pde.FieldSystem).
func (g Generator) Name() string { return "burgers" }

// FieldSpec is the fields-dataset layout: Frames+1 states u and controls f on the Cells interior
// points, the two initial Gaussians (A, c, s) as parameters.
func (g Generator) FieldSpec() datasets.FieldSpec {
	p := g.Params
	n, x := p.Cells, p.X()
	return datasets.FieldSpec{Frames: p.Frames + 1, Grid: []int{n}, StateChannels: 1, ControlChannels: 1, ParamDim: 6,
		Dt: p.FrameDt(), Extent: [][2]float64{{x[0], x[n-1]}}, StateNames: []string{"u"}, ControlNames: []string{"f"},
		ParamNames: []string{"A1", "c1", "s1", "A2", "c2", "s2"}}
}

// Row is trajectory tr as a dataset row (it shares tr.U). Control frame k acts on [t_k, t_{k+1}); the
// dataset stores a control per state frame, so the last one (after T) is zero.
func (g Generator) Row(tr Trajectory) datasets.FieldTrajectory {
	ctl := make([]float64, (g.Params.Frames+1)*g.Params.Cells)
	copy(ctl, tr.F)
	ic := tr.Initial
	return datasets.FieldTrajectory{State: tr.U, Control: ctl,
		Params: []float64{ic[0].A, ic[0].C, ic[0].S, ic[1].A, ic[1].C, ic[1].S}}
}

// NewRows returns one worker's row function with its own solver (pde.FieldSystem).
func (g Generator) NewRows() (pde.RowFunc, error) {
	return pde.Rows(g.NewSolver, g.Trajectory, func(_ *Solver, tr Trajectory) datasets.FieldTrajectory { return g.Row(tr) })
}

// BatchSize is BatchWidth (pde.BatchFieldSystem).
func (g Generator) BatchSize() int { return BatchWidth }

// NewBatchRows returns one worker's batch row function with its own batched solver
// (pde.BatchFieldSystem); its rows are bit-identical to NewRows's.
func (g Generator) NewBatchRows() (pde.BatchRowFunc, error) {
	return pde.BatchRows(g.NewBatchSolver, g.Trajectories, g.Row)
}

// DatasetParams are the parameters recorded in a dataset's generator metadata.
func (g Generator) DatasetParams() map[string]any {
	p := g.Params
	return map[string]any{"nu": p.Nu, "cells": p.Cells, "refine": p.Refine, "fine_points": p.FinePoints(), "frames": p.Frames + 1,
		"T": p.T, "steps_per_frame": p.Steps(), "dt": p.Dt(), "partial_control": g.PartialControl}
}

// DatasetDescription says what a dataset's columns hold.
func (g Generator) DatasetDescription() string {
	return "WDNO/DiffPhyCon controlled Burgers u_t + (u^2/2)_x = nu u_xx + f on [0, 1], u = 0 at the walls; " +
		"state u at x_j = j/(N+1); control frame k acts on [t_k, t_{k+1}) and the last control frame is zero; " +
		"params are the initial Gaussians (A, c, s); see the documentation of package pde/burgers"
}
