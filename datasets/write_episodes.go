package datasets

import "fmt"

// Episode is one offline-RL episode of T steps, row-major: Observations has T*ObservationDim
// values, Actions T*ActionDim, Rewards T, each info T*Dim. Terminals and Timeouts may be nil
// (all false); when set they have T entries and only the last step may be true (an episode ends
// at its first terminal or timeout, as D4RL's segmentation and Diffuser's ReplayBuffer assume).
type Episode struct {
	Observations []float64
	Actions      []float64
	Rewards      []float64
	Terminals    []bool
	Timeouts     []bool
	Infos        map[string][]float64
}

// EpisodeWriter streams episodes into an episodes dataset (one row per step).
type EpisodeWriter struct {
	w    *writer
	spec EpisodeSpec
	n    int64
}

// CreateEpisodes starts an episodes dataset at path. Nothing appears at path until Close.
func CreateEpisodes(path string, spec EpisodeSpec, opts WriteOptions) (*EpisodeWriter, error) {
	s := spec
	s.Infos = append([]InfoSpec(nil), spec.Infos...)
	w, err := newWriter(path, &Metadata{Kind: Episodes, Episodes: &s}, opts)
	if err != nil {
		return nil, err
	}
	return &EpisodeWriter{w: w, spec: s}, nil
}

// Len returns the number of episodes written so far.
func (e *EpisodeWriter) Len() int64 { return e.n }

// Write appends one episode. On a validation error (shapes, NaN/Inf, flags) nothing of the
// episode is kept and the writer stays usable; on an I/O error the writer is aborted.
func (e *EpisodeWriter) Write(ep Episode) error {
	if err := e.w.check(); err != nil {
		return err
	}
	T := len(ep.Rewards)
	what := fmt.Sprintf("episode %d", e.n)
	if T == 0 {
		return fmt.Errorf("write %s: %s has no steps", e.w.path, what)
	}
	if T > maxElements {
		return fmt.Errorf("write %s: %s has %d steps, more than 2^31-1", e.w.path, what, T)
	}
	want := func(name string, got, dim int) error {
		if got != T*dim {
			return fmt.Errorf("write %s: %s: %s has %d values, want %d steps x %d = %d", e.w.path, what, name, got, T, dim, T*dim)
		}
		return nil
	}
	if err := want(ColObservations, len(ep.Observations), e.spec.ObservationDim); err != nil {
		return err
	}
	if err := want(ColActions, len(ep.Actions), e.spec.ActionDim); err != nil {
		return err
	}
	for _, fl := range []struct {
		name string
		v    []bool
	}{{ColTerminals, ep.Terminals}, {ColTimeouts, ep.Timeouts}} {
		if fl.v == nil {
			continue
		}
		if len(fl.v) != T {
			return fmt.Errorf("write %s: %s: %s has %d entries, want %d", e.w.path, what, fl.name, len(fl.v), T)
		}
		for t := 0; t < T-1; t++ {
			if fl.v[t] {
				return fmt.Errorf("write %s: %s: %s is set at step %d before the last step %d; split the episode there", e.w.path, what, fl.name, t, T-1)
			}
		}
	}
	for name := range ep.Infos {
		found := false
		for _, in := range e.spec.Infos {
			found = found || in.Name == name
		}
		if !found {
			return fmt.Errorf("write %s: %s: info %q is not in the spec", e.w.path, what, name)
		}
	}
	b := e.w.bufs
	dt := e.w.meta.DType
	err := func() error {
		if err := b[2].appendFloats(dt, ep.Observations, what); err != nil {
			return err
		}
		if err := b[3].appendFloats(dt, ep.Actions, what); err != nil {
			return err
		}
		if err := b[4].appendFloats(dt, ep.Rewards, what); err != nil {
			return err
		}
		for i, in := range e.spec.Infos {
			v, ok := ep.Infos[in.Name]
			if !ok {
				return fmt.Errorf("info %q is missing", in.Name)
			}
			if len(v) != T*in.Dim {
				return fmt.Errorf("info %q has %d values, want %d steps x %d", in.Name, len(v), T, in.Dim)
			}
			if err := b[7+i].appendFloats(dt, v, what); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		e.w.dropUnit()
		return fmt.Errorf("write %s: %s: %w", e.w.path, what, err)
	}
	for t := 0; t < T; t++ {
		b[0].i64 = append(b[0].i64, e.w.opts.FirstID+e.n)
		b[1].i32 = append(b[1].i32, int32(t))
		b[5].bools = append(b[5].bools, ep.Terminals != nil && ep.Terminals[t])
		b[6].bools = append(b[6].bools, ep.Timeouts != nil && ep.Timeouts[t])
	}
	e.n++
	return e.w.endUnit(T)
}

// Close writes the statistics and footer and renames the file into place.
func (e *EpisodeWriter) Close() error { return e.w.close() }

// Abort discards everything written; the path is left untouched.
func (e *EpisodeWriter) Abort() { e.w.abort() }
