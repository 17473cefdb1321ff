package datasets

import "fmt"

// FieldTrajectory is one PDE trajectory, row-major over (frame, grid axes..., channel): State has
// Frames*GridPoints*StateChannels values, Control Frames*GridPoints*ControlChannels, Params
// ParamDim.
type FieldTrajectory struct {
	State   []float64
	Control []float64
	Params  []float64
}

// FieldWriter streams trajectories into a fields dataset (one row per trajectory).
type FieldWriter struct {
	w *writer
	n int64
}

// CreateFields starts a fields dataset at path. Nothing appears at path until Close.
func CreateFields(path string, spec FieldSpec, opts WriteOptions) (*FieldWriter, error) {
	s := spec
	s.Grid = append([]int(nil), spec.Grid...)
	w, err := newWriter(path, &Metadata{Kind: Fields, Fields: &s}, opts)
	if err != nil {
		return nil, err
	}
	return &FieldWriter{w: w}, nil
}

// Len returns the number of trajectories written so far.
func (f *FieldWriter) Len() int64 { return f.n }

// Write appends one trajectory. A validation error keeps nothing of it; the writer stays usable.
func (f *FieldWriter) Write(tr FieldTrajectory) error {
	if err := f.w.check(); err != nil {
		return err
	}
	what := fmt.Sprintf("trajectory %d", f.n)
	inputs := map[string][]float64{ColState: tr.State, ColControl: tr.Control, ColParams: tr.Params}
	present := map[string]bool{}
	for _, c := range f.w.cols {
		present[c.name] = true
	}
	for name, v := range inputs {
		if !present[name] && v != nil {
			return fmt.Errorf("write %s: %s: %s given but the spec has no such column", f.w.path, what, name)
		}
	}
	dt := f.w.meta.DType
	for i := range f.w.bufs {
		b := &f.w.bufs[i]
		c := b.col
		var err error
		if c.name == ColTrajectory {
			b.i64 = append(b.i64, f.w.opts.FirstID+f.n)
		} else if v := inputs[c.name]; len(v) != c.width {
			err = fmt.Errorf("%s has %d values, want %v = %d", c.name, len(v), c.rowShape, c.width)
		} else {
			err = b.appendFloats(dt, v, what)
		}
		if err != nil {
			f.w.dropUnit()
			return fmt.Errorf("write %s: %s: %w", f.w.path, what, err)
		}
	}
	f.n++
	return f.w.endUnit(1)
}

// Close writes the statistics and footer and renames the file into place.
func (f *FieldWriter) Close() error { return f.w.close() }

// Abort discards everything written; the path is left untouched.
func (f *FieldWriter) Abort() { f.w.abort() }
