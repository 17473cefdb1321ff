package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/advection"
	"github.com/trajdiff/trajdiff/pde/burgers"
	"github.com/trajdiff/trajdiff/pde/cns"
	"github.com/trajdiff/trajdiff/pde/smoke"
)

// pdeSimSystems are the PDE systems of `trajdiff simulate`, all writing fields datasets through
// pde.WriteFields (see docs/datasets.md); this file maps each system's flags to its Generator.
func pdeSimSystems() []simSystem {
	return []simSystem{
		{name: "advection", summary: "1-D linear advection, PDEBench (periodic, MUSCL or exact shift)", setup: setupAdvection},
		{name: "burgers", summary: "1-D viscous Burgers with control, WDNO/DiffPhyCon", setup: setupBurgers},
		{name: "cns", summary: "1-D compressible Navier-Stokes, PDEBench (MUSCL-Hancock + HLLC)", setup: setupCNS},
		{name: "smoke", summary: "2-D incompressible smoke with control, WDNO (box with exits)", setup: setupSmoke},
	}
}

func setupAdvection(fs *flag.FlagSet) func() (pde.FieldSystem, error) {
	d := advection.DefaultParams()
	beta := fs.Float64("beta", d.Beta, "advection speed")
	cells := fs.Int("cells", d.Cells, "finite-volume cells on [0, 1]")
	frames := fs.Int("frames", d.Frames, "stored intervals; trajectories hold frames+1 states")
	horizon := fs.Float64("t", d.T, "horizon T")
	cfl := fs.Float64("cfl", d.CFL, "CFL number |beta| dt/dx")
	method := fs.String("method", "fv", "fv (MUSCL finite volume) or exact (shifted profile)")
	return func() (pde.FieldSystem, error) {
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
		return g, nil
	}
}

func setupBurgers(fs *flag.FlagSet) func() (pde.FieldSystem, error) {
	// The physics flags have no defaults of their own: unset, they keep the preset's values.
	d, w, ws := burgers.DefaultParams(), burgers.WDNOParams(), burgers.WDNOSmallParams()
	preset := fs.String("preset", "default", "base parameters: "+strings.Join(burgers.PresetNames(), ", ")+
		" (wdno: WDNO's 81 x 120 reference, 1935 solver points, dt 1/76800; wdno-small: 41 x 60, dt 1/2400); the physics flags override its values only when given")
	presetVals := func(f func(burgers.Params) any) string {
		return fmt.Sprintf("(preset default %v, wdno %v, wdno-small %v)", f(d), f(w), f(ws))
	}
	nu := fs.Float64("nu", 0, "viscosity "+presetVals(func(p burgers.Params) any { return p.Nu }))
	cells := fs.Int("cells", 0, "stored grid points x_j = j/(N+1) "+presetVals(func(p burgers.Params) any { return p.Cells }))
	refine := fs.Int("refine", 0, "solver refinement: r(N+1)-1 fine points "+presetVals(func(p burgers.Params) any { return p.Refine }))
	frames := fs.Int("frames", 0, "control intervals; trajectories hold frames+1 states "+presetVals(func(p burgers.Params) any { return p.Frames }))
	horizon := fs.Float64("t", 0, "horizon T "+presetVals(func(p burgers.Params) any { return p.T }))
	steps := fs.Int("steps-per-frame", 0, "Euler steps per interval, 0: derive from --diffusion-number "+
		presetVals(func(p burgers.Params) any { return p.StepsPerFrame }))
	dn := fs.Float64("diffusion-number", 0, fmt.Sprintf("target nu dt/dx^2 (<= 0.5) from which the steps per interval are derived, unless --steps-per-frame is given (preset default %v)", d.DiffusionNumber))
	partial := fs.Bool("partial-control", false, "control only x < 1/4 and x >= 3/4 (WDNO's partial-control task)")
	return func() (pde.FieldSystem, error) {
		p, err := burgers.PresetParams(*preset)
		if err != nil {
			return nil, err
		}
		// Only the flags given on the command line override the preset.
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if set["nu"] {
			p.Nu = *nu
		}
		if set["cells"] {
			p.Cells = *cells
		}
		if set["refine"] {
			p.Refine = *refine
		}
		if set["frames"] {
			p.Frames = *frames
		}
		if set["t"] {
			p.T = *horizon
		}
		if set["diffusion-number"] {
			// An explicit diffusion number means "derive the steps from it" unless the steps are given too.
			p.DiffusionNumber, p.StepsPerFrame = *dn, 0
		}
		if set["steps-per-frame"] {
			p.StepsPerFrame = *steps
		}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		return burgers.Generator{Params: p, PartialControl: *partial}, nil
	}
}

func setupCNS(fs *flag.FlagSet) func() (pde.FieldSystem, error) {
	d := cns.DefaultParams()
	cells := fs.Int("cells", d.Cells, "finite-volume cells on [-1, 1]")
	frames := fs.Int("frames", d.Frames, "stored intervals; trajectories hold frames+1 states")
	horizon := fs.Float64("t", d.T, "horizon T")
	gamma := fs.Float64("gamma", d.Gamma, "ratio of specific heats")
	eta := fs.Float64("eta", d.Eta, "shear viscosity")
	zeta := fs.Float64("zeta", d.Zeta, "bulk viscosity")
	cfl := fs.Float64("cfl", d.CFL, "CFL number")
	boundary := fs.String("boundary", "periodic", "periodic or outflow")
	return func() (pde.FieldSystem, error) {
		b, err := cns.ParseBoundary(*boundary)
		if err != nil {
			return nil, pde.Invalidf("--boundary: %v", err)
		}
		p := d
		p.Cells, p.Frames, p.T, p.Gamma, p.Eta, p.Zeta, p.CFL, p.Boundary = *cells, *frames, *horizon, *gamma, *eta, *zeta, *cfl, b
		if err := p.Validate(); err != nil {
			return nil, err
		}
		return cns.Generator{Params: p}, nil
	}
}

func setupSmoke(fs *flag.FlagSet) func() (pde.FieldSystem, error) {
	d := smoke.DefaultParams()
	grid := fs.Int("grid", d.N, "simulation grid side (multiple of 8)")
	save := fs.Int("save", d.Save, "stored grid side (divides --grid)")
	steps := fs.Int("steps", d.Steps, "steps after the initial one (dt = 1)")
	stride := fs.Int("stride", d.Stride, "steps per stored frame")
	buoyancy := fs.Float64("buoyancy", d.Buoyancy, "buoyancy coefficient (WDNO: 0)")
	advect := fs.Bool("advect-velocity", false, "advect the velocity by itself (WDNO: no)")
	plain := fs.Bool("plain-advection", false, "plain (not mass-conserving) semi-Lagrangian density advection, as phiflow")
	tol := fs.Float64("tol", d.Tol, "max-norm residual of the pressure solve")
	return func() (pde.FieldSystem, error) {
		p := d
		p.N, p.Save, p.Steps, p.Stride, p.Buoyancy, p.AdvectVelocity, p.PlainAdvection, p.Tol = *grid, *save, *steps, *stride, *buoyancy, *advect, *plain, *tol
		if err := p.Validate(); err != nil {
			return nil, err
		}
		return smoke.Generator{Params: p}, nil
	}
}
