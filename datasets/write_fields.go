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
	if err := f.w.checkInputs(what, inputs); err != nil {
		return err
	}
	if err := f.w.appendTrajectory(f.n, what, inputs, nil); err != nil {
		return err
	}
	f.n++
	return f.w.endUnit(1)
}

// Close writes the statistics and footer and renames the file into place.
func (f *FieldWriter) Close() error { return f.w.close() }

// Abort discards everything written; the path is left untouched.
func (f *FieldWriter) Abort() { f.w.abort() }
