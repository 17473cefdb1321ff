package wdno

import (
	"fmt"
	"math"
	"strings"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde/burgers"
)

// Data is a 1-D fields dataset of trajdiff simulate (burgers, advection, cns) read for WDNO: the state u
// (Frames x Cells x State) and control f (Frames x Cells x Control) of each trajectory, the generator's
// record, and for Burgers the solver parameters that re-simulation of a control needs.
type Data struct {
	Path           string
	Frames         int // stored state frames K+1
	Cells          int
	State, Control int            // channels
	Generator      Generator      // name and parameters, what a model checks its test data against
	Params         burgers.Params // Burgers only (IsBurgers): the generator's equation, grids and time stepping
	// Grid is the stored grid of 2-D (smoke) data, nil for 1-D data; Smoke its simulator's parameters
	// (IsSmoke; data_smoke.go).
	Grid  []int
	Smoke *smokeData
	ds    *datasets.Dataset
}

// Generator records the generator of a dataset.
type Generator struct {
	Name   string         `json:"name"`
	Params map[string]any `json:"params,omitempty"`
}

// IsBurgers reports whether the data come from the Burgers generator (control tasks need its solver).
func (d *Data) IsBurgers() bool { return strings.HasSuffix(d.Generator.Name, "burgers") }

// OpenData opens a 1-D fields dataset and checks its layout.
func OpenData(path string) (*Data, error) {
	ds, err := datasets.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	d, err := newData(path, ds)
	if err != nil {
		ds.Close()
		return nil, err
	}
	return d, nil
}

func newData(path string, ds *datasets.Dataset) (*Data, error) {
	meta := ds.Metadata()
	fs := meta.Fields
	if ds.Kind() != datasets.Fields || fs == nil {
		return nil, fmt.Errorf("wdno: %s is a %v dataset, want the fields of trajdiff simulate burgers, advection or cns", path, ds.Kind())
	}
	if strings.HasSuffix(meta.Generator.Name, "smoke") && len(fs.Grid) == 2 && ds.Len() > 0 {
		return newSmokeData(path, ds)
	}
	if len(fs.Grid) != 1 || fs.StateChannels < 1 {
		return nil, fmt.Errorf("wdno: %s holds %d-D fields with %d state channels; WDNO here takes 1-D fields", path, len(fs.Grid), fs.StateChannels)
	}
	if ds.Len() < 1 {
		return nil, fmt.Errorf("wdno: %s has no trajectories", path)
	}
	d := &Data{Path: path, Frames: fs.Frames, Cells: fs.Grid[0], State: fs.StateChannels, Control: fs.ControlChannels,
		Generator: Generator{Name: meta.Generator.Name, Params: meta.Generator.Params}, ds: ds}
	if d.IsBurgers() {
		p, err := paramsOf(meta.Generator.Params)
		if err != nil {
			return nil, fmt.Errorf("wdno: %s: %w", path, err)
		}
		if p.Cells != d.Cells || p.Frames+1 != d.Frames || d.State != 1 || d.Control != 1 {
			return nil, fmt.Errorf("wdno: %s: generator parameters (%d cells, %d frames) disagree with the fields (%d x %d, %d + %d channels)",
				path, p.Cells, p.Frames+1, d.Cells, d.Frames, d.State, d.Control)
		}
		d.Params = p
	}
	return d, nil
}

// layout is the layout configuration c completed with the data's sizes.
func (d *Data) layout(c LayoutConfig) LayoutConfig {
	c.Frames, c.Cells, c.State = d.Frames, d.Cells, d.State
	c.Grid = nil
	if d.Grid != nil {
		c.Grid = append([]int(nil), d.Grid...)
	}
	n := d.Control
	c.Control = &n
	return c
}

// paramsOf reads the solver parameters a burgers generator records (burgers.Generator.DatasetParams).
func paramsOf(m map[string]any) (burgers.Params, error) {
	num := func(k string) (float64, error) {
		v, ok := m[k].(float64)
		if !ok || math.IsNaN(v) {
			return 0, fmt.Errorf("generator parameter %q missing or not a number (not a trajdiff burgers dataset?)", k)
		}
		return v, nil
	}
	var p burgers.Params
	var vals [6]float64
	for i, k := range []string{"nu", "cells", "refine", "frames", "T", "steps_per_frame"} {
		v, err := num(k)
		if err != nil {
			return p, err
		}
		vals[i] = v
	}
	p = burgers.Params{Nu: vals[0], Cells: int(vals[1]), Refine: int(vals[2]), Frames: int(vals[3]) - 1, T: vals[4], StepsPerFrame: int(vals[5])}
	if err := p.Validate(); err != nil {
		return p, err
	}
	return p, nil
}

// Close releases the dataset.
func (d *Data) Close() error { return d.ds.Close() }

// Len is the number of trajectories.
func (d *Data) Len() int { return d.ds.Len() }

// ID is trajectory i's dataset id.
func (d *Data) ID(i int) int64 { return d.ds.ID(i) }

// Fields copies trajectory i's u (Frames x Cells x State) and f (Frames x Cells x Control; for Burgers
// the last control row is zero) into u and f, allocating them when nil.
func (d *Data) Fields(i int, u, f []float64) ([]float64, []float64, error) {
	if d.Smoke != nil {
		return d.smokeFields(i, u, f)
	}
	v, err := d.ds.Field(i)
	if err != nil {
		return nil, nil, fmt.Errorf("wdno: %w", err)
	}
	nu, nf := d.layout(LayoutConfig{}).sizes()
	if u == nil {
		u = make([]float64, nu)
	}
	if f == nil {
		f = make([]float64, nf)
	}
	if v.State.Len() != nu || (nf > 0 && v.Control.Len() != nf) {
		return nil, nil, fmt.Errorf("wdno: trajectory %d has %d state and %d control values, want %d and %d", i, v.State.Len(), v.Control.Len(), nu, nf)
	}
	for j := range u {
		u[j] = v.State.At(j)
	}
	for j := range f {
		f[j] = v.Control.At(j)
	}
	if err := checkFields(d.layout(LayoutConfig{}), u, f); err != nil {
		return nil, nil, fmt.Errorf("wdno: %s trajectory %d: %w", d.Path, i, err)
	}
	return u, f, nil
}

// FitScales returns per-channel scales for the layout: the largest magnitude each channel takes over
// the first n trajectories of d (all when n <= 0), in both tasks (1 for a channel that is always zero).
func FitScales(c LayoutConfig, d *Data, n int) ([]float64, error) {
	c = d.layout(c)
	c.Scales = nil
	l, err := NewLayout(c)
	if err != nil {
		return nil, err
	}
	if n <= 0 || n > d.Len() {
		n = d.Len()
	}
	ch := l.Shape()[0]
	per := l.Dim() / ch
	scales := make([]float64, ch)
	x := make([]float64, l.Dim())
	var u, f []float64
	for i := 0; i < n; i++ {
		if u, f, err = d.Fields(i, u, f); err != nil {
			return nil, err
		}
		if err := l.Encode(Control, u, f, x); err != nil {
			return nil, err
		}
		for j, v := range x {
			scales[j/per] = max(scales[j/per], math.Abs(v))
		}
	}
	for j, s := range scales {
		if s == 0 {
			scales[j] = 1
		}
	}
	return scales, nil
}

// Cases resolves a list of trajectory indices: nil means every trajectory; each index must exist.
func (d *Data) Cases(list []int) ([]int, error) {
	if list == nil {
		list = make([]int, d.Len())
		for i := range list {
			list[i] = i
		}
	}
	for _, i := range list {
		if i < 0 || i >= d.Len() {
			return nil, fmt.Errorf("wdno: case %d outside the %d trajectories of %s", i, d.Len(), d.Path)
		}
	}
	return list, nil
}
