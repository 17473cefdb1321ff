package cns

import (
	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde"
)

// Generator is the system's pde.FieldSystem, which pde.WriteFields writes, in blocks of BatchBlock
// trajectories on the batch solver.
var _ pde.BatchFieldSystem = Generator{}

// Name is "cns" (pde.FieldSystem).
func (g Generator) Name() string { return "cns" }

// FieldSpec is the fields-dataset layout: Frames+1 states (density, velocity, pressure) on the Cells
// cell centres.
func (g Generator) FieldSpec() datasets.FieldSpec {
	p := g.Params
	return datasets.FieldSpec{Frames: p.Frames + 1, Grid: []int{p.Cells}, StateChannels: 3, Dt: p.T / float64(p.Frames),
		Extent: [][2]float64{{p.XL, p.XR}}, StateNames: []string{"density", "velocity", "pressure"}}
}

// Row is trajectory tr as a dataset row: the solver's per-field frames interleaved into the datasets
// layout frame x cell x channel.
func (g Generator) Row(tr Trajectory) datasets.FieldTrajectory {
	n := g.Params.Cells
	st := make([]float64, (g.Params.Frames+1)*n*3)
	for f, fr := range tr.Frames {
		for j := 0; j < n; j++ {
			o := (f*n + j) * 3
			st[o], st[o+1], st[o+2] = fr.Rho[j], fr.U[j], fr.P[j]
		}
	}
	return datasets.FieldTrajectory{State: st}
}

// NewRows returns one worker's row function with its own solver (pde.FieldSystem).
func (g Generator) NewRows() (pde.RowFunc, error) {
	return pde.Rows(g.NewSolver, g.Trajectory, func(_ *Solver, tr Trajectory) datasets.FieldTrajectory { return g.Row(tr) })
}

// BatchSize is BatchBlock, or fewer trajectories when their frames would take more than blockBytes (twice:
// the solver's states and the dataset rows), but at least 16 (pde.BatchFieldSystem).
func (g Generator) BatchSize() int {
	per := 2 * 8 * 3 * (g.Params.Frames + 1) * g.Params.Cells
	return max(16, min(BatchBlock, blockBytes/max(per, 1)))
}

// NewBatchRows returns one worker's batch row function with its own batch solver (pde.BatchFieldSystem);
// its rows are bit-identical to NewRows's.
func (g Generator) NewBatchRows() (pde.BatchRowFunc, error) {
	return pde.BatchRows(g.NewBatchSolver, g.Trajectories, g.Row)
}

// DatasetParams are the parameters recorded in a dataset's generator metadata.
func (g Generator) DatasetParams() map[string]any {
	p := g.Params
	return map[string]any{"gamma": p.Gamma, "eta": p.Eta, "zeta": p.Zeta, "cells": p.Cells, "frames": p.Frames + 1, "T": p.T,
		"cfl": p.CFL, "visc_cfl": p.ViscCFL, "boundary": p.Boundary.String(), "xl": p.XL, "xr": p.XR}
}

// DatasetDescription says what a dataset's columns hold.
func (g Generator) DatasetDescription() string {
	return "PDEBench 1-D compressible Navier-Stokes (ideal gas) with PDEBench 'rand' initial conditions; " +
		"state (density, velocity, pressure) at the cell centres; see the documentation of package pde/cns"
}
