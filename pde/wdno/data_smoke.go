package wdno

import (
	"fmt"
	"slices"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde/smoke"
)

// smokeData is what a smoke dataset (trajdiff simulate smoke) adds to Data: the simulator's parameters,
// for re-simulating controls, and where the per-trajectory parameters sit.
type smokeData struct {
	Params smoke.Params
	Stored int // stored frames; the models take the first Stored - 1 (WDNO: 32 of 33)
	share  int // index of smoke_out_0, the first per-frame target share, among the parameters
	layout smoke.Layout
}

// IsSmoke reports whether the data come from the smoke generator.
func (d *Data) IsSmoke() bool { return d.Smoke != nil }

// newSmokeData reads a 2-D dataset of trajdiff simulate smoke: u is density, vx, vy and s(t) (the target
// share after each frame, the parameters smoke_out_k, repeated in every cell), f is cx, cy, both on the
// first Stored - 1 stored frames (WDNO's frames 0..31: its objective is s at the frame after step 248).
func newSmokeData(path string, ds *datasets.Dataset) (*Data, error) {
	meta := ds.Metadata()
	fs := meta.Fields
	gp := meta.Generator.Params
	num := func(k string) (float64, error) {
		v, ok := gp[k].(float64)
		if !ok {
			return 0, fmt.Errorf("wdno: %s: smoke generator parameter %q missing or not a number", path, k)
		}
		return v, nil
	}
	p := smoke.DefaultParams()
	for _, kv := range []struct {
		k string
		v *int
	}{{"grid", &p.N}, {"save", &p.Save}, {"steps", &p.Steps}, {"stride", &p.Stride}} {
		v, err := num(kv.k)
		if err != nil {
			return nil, err
		}
		*kv.v = int(v)
	}
	var err error
	if p.Buoyancy, err = num("buoyancy"); err != nil {
		return nil, err
	}
	if p.Tol, err = num("tol"); err != nil {
		return nil, err
	}
	p.AdvectVelocity, _ = gp["advect_velocity"].(bool)
	p.PlainAdvection, _ = gp["plain_advection"].(bool)
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("wdno: %s: %w", path, err)
	}
	m := p.Save
	switch {
	case fs.Grid[0] != m || fs.Grid[1] != m || fs.Frames != p.Frames() || fs.StateChannels != 3 || fs.ControlChannels != 2:
		return nil, fmt.Errorf("wdno: %s: generator parameters (stored grid %d, %d frames) disagree with the fields (%v, %d frames, %d + %d channels)",
			path, m, p.Frames(), fs.Grid, fs.Frames, fs.StateChannels, fs.ControlChannels)
	case fs.Frames < 3:
		return nil, fmt.Errorf("wdno: %s has %d stored frames, want at least 3", path, fs.Frames)
	}
	share := slices.Index(fs.ParamNames, smoke.SmokeOutParam(0))
	if share < 0 || len(fs.ParamNames) < share+fs.Frames || !slices.Equal(fs.ParamNames[:3], []string{"x0", "y0", "size"}) {
		return nil, fmt.Errorf("wdno: %s records no per-frame target share (params %s...): regenerate it with this trajdiff simulate smoke",
			path, smoke.SmokeOutParam(0))
	}
	for k := range fs.Frames {
		if fs.ParamNames[share+k] != smoke.SmokeOutParam(k) {
			return nil, fmt.Errorf("wdno: %s: parameter %d is %q, want %q", path, share+k, fs.ParamNames[share+k], smoke.SmokeOutParam(k))
		}
	}
	return &Data{Path: path, Frames: fs.Frames - 1, Cells: m * m, State: smokeState, Control: smokeControl, Grid: []int{m, m},
		Generator: Generator{Name: meta.Generator.Name, Params: gp}, ds: ds,
		Smoke: &smokeData{Params: p, Stored: fs.Frames, share: share, layout: smoke.WDNOLayout(p.N)}}, nil
}

// smokeFields reads trajectory i: u = density, vx, vy, s (Frames x Cells x 4, cells in the dataset's
// (x, y) order) and f = cx, cy (Frames x Cells x 2).
func (d *Data) smokeFields(i int, u, f []float64) ([]float64, []float64, error) {
	v, err := d.ds.Field(i)
	if err != nil {
		return nil, nil, fmt.Errorf("wdno: %w", err)
	}
	C, T, S := d.Cells, d.Frames, d.Smoke.Stored
	if v.State.Len() != S*C*3 || v.Control.Len() != S*C*2 || v.Params.Len() < d.Smoke.share+S {
		return nil, nil, fmt.Errorf("wdno: %s trajectory %d has %d state, %d control and %d parameter values, want %d, %d and %d",
			d.Path, i, v.State.Len(), v.Control.Len(), v.Params.Len(), S*C*3, S*C*2, d.Smoke.share+S)
	}
	nu, nf := T*C*smokeState, T*C*smokeControl
	if u == nil {
		u = make([]float64, nu)
	}
	if f == nil {
		f = make([]float64, nf)
	}
	for t := 0; t < T; t++ {
		s := v.Params.At(d.Smoke.share + t)
		for c := 0; c < C; c++ {
			o := (t*C + c) * smokeState
			for k := range 3 {
				u[o+k] = v.State.At((t*C+c)*3 + k)
			}
			u[o+smokeS] = s
		}
	}
	for j := range f {
		f[j] = v.Control.At(j)
	}
	if err := checkFields(d.layout(LayoutConfig{}), u, f); err != nil {
		return nil, nil, fmt.Errorf("wdno: %s trajectory %d: %w", d.Path, i, err)
	}
	return u, f, nil
}

// smokeInitial is trajectory i's initial smoke square (parameters x0, y0, size).
func (d *Data) smokeInitial(i int) (smoke.Initial, error) {
	v, err := d.ds.Field(i)
	if err != nil {
		return smoke.Initial{}, fmt.Errorf("wdno: %w", err)
	}
	return smoke.Initial{X0: int(v.Params.At(0)), Y0: int(v.Params.At(1)), Size: int(v.Params.At(2))}, nil
}
