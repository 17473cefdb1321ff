package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/advection"
	"github.com/trajdiff/trajdiff/pde/burgers"
	"github.com/trajdiff/trajdiff/pde/cns"
	"github.com/trajdiff/trajdiff/pde/smoke"
)

// pdeSimSystems are the PDE systems of `trajdiff simulate`, all writing fields datasets (see
// docs/datasets.md).
func pdeSimSystems() []simSystem {
	return []simSystem{
		{name: "advection", summary: "1-D linear advection, PDEBench (periodic, MUSCL or exact shift)", setup: setupAdvection},
		{name: "burgers", summary: "1-D viscous Burgers with control, WDNO/DiffPhyCon", setup: setupBurgers},
		{name: "cns", summary: "1-D compressible Navier-Stokes, PDEBench (MUSCL-Hancock + HLLC)", setup: setupCNS},
		{name: "smoke", summary: "2-D incompressible smoke with control, WDNO (box with exits)", setup: setupSmoke},
	}
}

func setupAdvection(fs *flag.FlagSet) func() (*simJob, error) {
	d := advection.DefaultParams()
	beta := fs.Float64("beta", d.Beta, "advection speed")
	cells := fs.Int("cells", d.Cells, "finite-volume cells on [0, 1]")
	frames := fs.Int("frames", d.Frames, "stored intervals; trajectories hold frames+1 states")
	horizon := fs.Float64("t", d.T, "horizon T")
	cfl := fs.Float64("cfl", d.CFL, "CFL number |beta| dt/dx")
	method := fs.String("method", "fv", "fv (MUSCL finite volume) or exact (shifted profile)")
	return func() (*simJob, error) {
		p := advection.Params{Beta: *beta, Cells: *cells, T: *horizon, Frames: *frames, CFL: *cfl}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		g := advection.Generator{Params: p}
		switch *method {
		case "fv":
		case "exact":
			g.Method = advection.Exact
		default:
			return nil, pde.Invalidf("--method %q: want fv or exact", *method)
		}
		spec := datasets.FieldSpec{Frames: p.Frames + 1, Grid: []int{p.Cells}, StateChannels: 1, ParamDim: 1,
			Dt: p.T / float64(p.Frames), Extent: [][2]float64{{0, 1}}, StateNames: []string{"u"}, ParamNames: []string{"beta"}}
		return &simJob{
			spec: spec,
			newWorker: fieldWorker(g.NewSolver, g.Trajectory, func(_ *advection.Solver, tr advection.Trajectory) datasets.FieldTrajectory {
				return datasets.FieldTrajectory{State: tr.U, Params: []float64{p.Beta}}
			}),
			params: map[string]any{"beta": p.Beta, "cells": p.Cells, "frames": p.Frames + 1, "T": p.T, "cfl": p.CFL,
				"method": *method, "steps_per_frame": p.StepsPerFrame()},
			description: "PDEBench 1-D advection u_t + beta u_x = 0 on [0, 1), periodic; state u at the cell centres (i+1/2)/N; " +
				"see the documentation of package pde/advection",
		}, nil
	}
}

func setupBurgers(fs *flag.FlagSet) func() (*simJob, error) {
	d := burgers.DefaultParams()
	nu := fs.Float64("nu", d.Nu, "viscosity")
	cells := fs.Int("cells", d.Cells, "stored grid points x_j = j/(N+1)")
	refine := fs.Int("refine", d.Refine, "solver refinement: r(N+1)-1 fine points")
	frames := fs.Int("frames", d.Frames, "control intervals; trajectories hold frames+1 states")
	horizon := fs.Float64("t", d.T, "horizon T")
	steps := fs.Int("steps-per-frame", 0, "Euler steps per interval (0: derive from --diffusion-number)")
	dn := fs.Float64("diffusion-number", d.DiffusionNumber, "target nu dt/dx^2 when --steps-per-frame is 0 (<= 0.5)")
	partial := fs.Bool("partial-control", false, "control only x < 1/4 and x >= 3/4 (WDNO's partial-control task)")
	return func() (*simJob, error) {
		p := burgers.Params{Nu: *nu, Cells: *cells, Refine: *refine, T: *horizon, Frames: *frames, StepsPerFrame: *steps, DiffusionNumber: *dn}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		g := burgers.Generator{Params: p, PartialControl: *partial}
		n, k := p.Cells, p.Frames
		x := p.X()
		spec := datasets.FieldSpec{Frames: k + 1, Grid: []int{n}, StateChannels: 1, ControlChannels: 1, ParamDim: 6,
			Dt: p.FrameDt(), Extent: [][2]float64{{x[0], x[n-1]}}, StateNames: []string{"u"}, ControlNames: []string{"f"},
			ParamNames: []string{"A1", "c1", "s1", "A2", "c2", "s2"}}
		return &simJob{
			spec: spec,
			newWorker: fieldWorker(g.NewSolver, g.Trajectory, func(_ *burgers.Solver, tr burgers.Trajectory) datasets.FieldTrajectory {
				// Control frame k acts on [t_k, t_{k+1}); the last frame (after T) is zero.
				ctl := make([]float64, (k+1)*n)
				copy(ctl, tr.F)
				ic := tr.Initial
				return datasets.FieldTrajectory{State: tr.U, Control: ctl,
					Params: []float64{ic[0].A, ic[0].C, ic[0].S, ic[1].A, ic[1].C, ic[1].S}}
			}),
			params: map[string]any{"nu": p.Nu, "cells": n, "refine": p.Refine, "fine_points": p.FinePoints(), "frames": k + 1,
				"T": p.T, "steps_per_frame": p.Steps(), "dt": p.Dt(), "partial_control": *partial},
			description: "WDNO/DiffPhyCon controlled Burgers u_t + (u^2/2)_x = nu u_xx + f on [0, 1], u = 0 at the walls; " +
				"state u at x_j = j/(N+1); control frame k acts on [t_k, t_{k+1}) and the last control frame is zero; " +
				"params are the initial Gaussians (A, c, s); see the documentation of package pde/burgers",
		}, nil
	}
}

func setupCNS(fs *flag.FlagSet) func() (*simJob, error) {
	d := cns.DefaultParams()
	cells := fs.Int("cells", d.Cells, "finite-volume cells on [-1, 1]")
	frames := fs.Int("frames", d.Frames, "stored intervals; trajectories hold frames+1 states")
	horizon := fs.Float64("t", d.T, "horizon T")
	gamma := fs.Float64("gamma", d.Gamma, "ratio of specific heats")
	eta := fs.Float64("eta", d.Eta, "shear viscosity")
	zeta := fs.Float64("zeta", d.Zeta, "bulk viscosity")
	cfl := fs.Float64("cfl", d.CFL, "CFL number")
	boundary := fs.String("boundary", "periodic", "periodic or outflow")
	return func() (*simJob, error) {
		b, err := cns.ParseBoundary(*boundary)
		if err != nil {
			return nil, pde.Invalidf("--boundary: %v", err)
		}
		p := d
		p.Cells, p.Frames, p.T, p.Gamma, p.Eta, p.Zeta, p.CFL, p.Boundary = *cells, *frames, *horizon, *gamma, *eta, *zeta, *cfl, b
		if err := p.Validate(); err != nil {
			return nil, err
		}
		g := cns.Generator{Params: p}
		n, k := p.Cells, p.Frames
		spec := datasets.FieldSpec{Frames: k + 1, Grid: []int{n}, StateChannels: 3, Dt: p.T / float64(k),
			Extent: [][2]float64{{p.XL, p.XR}}, StateNames: []string{"density", "velocity", "pressure"}}
		return &simJob{
			spec: spec,
			newWorker: fieldWorker(g.NewSolver, g.Trajectory, func(_ *cns.Solver, tr cns.Trajectory) datasets.FieldTrajectory {
				st := make([]float64, (k+1)*n*3)
				for f, fr := range tr.Frames {
					for j := 0; j < n; j++ {
						o := (f*n + j) * 3
						st[o], st[o+1], st[o+2] = fr.Rho[j], fr.U[j], fr.P[j]
					}
				}
				return datasets.FieldTrajectory{State: st}
			}),
			params: map[string]any{"gamma": p.Gamma, "eta": p.Eta, "zeta": p.Zeta, "cells": n, "frames": k + 1, "T": p.T,
				"cfl": p.CFL, "visc_cfl": p.ViscCFL, "boundary": b.String(), "xl": p.XL, "xr": p.XR},
			description: "PDEBench 1-D compressible Navier-Stokes (ideal gas) with PDEBench 'rand' initial conditions; " +
				"state (density, velocity, pressure) at the cell centres; see the documentation of package pde/cns",
		}, nil
	}
}

func setupSmoke(fs *flag.FlagSet) func() (*simJob, error) {
	d := smoke.DefaultParams()
	grid := fs.Int("grid", d.N, "simulation grid side (multiple of 8)")
	save := fs.Int("save", d.Save, "stored grid side (divides --grid)")
	steps := fs.Int("steps", d.Steps, "steps after the initial one (dt = 1)")
	stride := fs.Int("stride", d.Stride, "steps per stored frame")
	buoyancy := fs.Float64("buoyancy", d.Buoyancy, "buoyancy coefficient (WDNO: 0)")
	advect := fs.Bool("advect-velocity", false, "advect the velocity by itself (WDNO: no)")
	plain := fs.Bool("plain-advection", false, "plain (not mass-conserving) semi-Lagrangian density advection, as phiflow")
	tol := fs.Float64("tol", d.Tol, "max-norm residual of the pressure solve")
	return func() (*simJob, error) {
		p := d
		p.N, p.Save, p.Steps, p.Stride, p.Buoyancy, p.AdvectVelocity, p.PlainAdvection, p.Tol = *grid, *save, *steps, *stride, *buoyancy, *advect, *plain, *tol
		if err := p.Validate(); err != nil {
			return nil, err
		}
		g := smoke.Generator{Params: p}
		m, f := p.Save, p.Frames()
		exits := len(smoke.WDNOLayout(p.N).Exits)
		names := []string{"x0", "y0", "size", "smoke_out", "leakage", "remaining"}
		for e := range exits {
			names = append(names, fmt.Sprintf("exit%d", e))
		}
		spec := datasets.FieldSpec{Frames: f, Grid: []int{m, m}, StateChannels: 3, ControlChannels: 2, ParamDim: len(names),
			Dt: float64(p.Stride), Extent: [][2]float64{{0, float64(p.N)}, {0, float64(p.N)}},
			StateNames: []string{"density", "vx", "vy"}, ControlNames: []string{"cx", "cy"}, ParamNames: names}
		return &simJob{
			spec: spec,
			newWorker: fieldWorker(g.NewSimulator, g.Trajectory, func(s *smoke.Simulator, tr *smoke.Trajectory) datasets.FieldTrajectory {
				last := tr.Outflow[len(tr.Outflow)-1]
				c := smoke.Objective{}.Eval(tr, s.Layout())
				params := []float64{float64(tr.Initial.X0), float64(tr.Initial.Y0), float64(tr.Initial.Size),
					c.SmokeOut, c.Leakage, last.Remaining}
				params = append(params, last.Exits...)
				return datasets.FieldTrajectory{State: xyOrder(tr.State, f, m, 3), Control: xyOrder(tr.Control, f, m, 2), Params: params}
			}),
			params: map[string]any{"grid": p.N, "save": m, "steps": p.Steps, "stride": p.Stride, "frames": f, "buoyancy": p.Buoyancy,
				"advect_velocity": p.AdvectVelocity, "plain_advection": p.PlainAdvection, "tol": p.Tol, "layout": "wdno"},
			description: "WDNO 2-D smoke control: grid axes (x, y) with y upwards, in simulation cells; state (density, vx, vy) " +
				"block-averaged to the stored grid; control = band velocity held during each frame (zero inside the box); " +
				"params: initial square, final smoke_out (target exit fraction), leakage, remaining density, exit counters; " +
				"see the documentation of package pde/smoke",
		}, nil
	}
}

// xyOrder reorders frames x rows(y) x columns(x) x c into the datasets layout frames x x x y x c.
func xyOrder(v []float64, frames, m, c int) []float64 {
	out := make([]float64, len(v))
	for f := 0; f < frames; f++ {
		for y := 0; y < m; y++ {
			for x := 0; x < m; x++ {
				src := ((f*m+y)*m + x) * c
				dst := ((f*m+x)*m + y) * c
				copy(out[dst:dst+c], v[src:src+c])
			}
		}
	}
	return out
}

// fieldWorker makes a simJob's newWorker from a generator's solver constructor and trajectory function and the
// mapping of a trajectory (with its solver) to a dataset row.
func fieldWorker[S, Tr any](newSolver func() (S, error), trajectory func(context.Context, S, uint64, int) (Tr, error),
	row func(S, Tr) datasets.FieldTrajectory) func() (fieldGenerator, error) {
	return func() (fieldGenerator, error) {
		s, err := newSolver()
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, seed uint64, i int) (datasets.FieldTrajectory, error) {
			tr, err := trajectory(ctx, s, seed, i)
			if err != nil {
				return datasets.FieldTrajectory{}, err
			}
			return row(s, tr), nil
		}, nil
	}
}
