package wdno

import (
	"fmt"
	"math"
	"slices"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Sensors are how state estimation observes the state: state channel 0 read at grid points Cells of every
// stored frame in Frames, each reading with additive Gaussian noise of standard deviation Noise.
type Sensors struct {
	Cells  []int   `json:"cells"`
	Frames []int   `json:"frames,omitempty"` // nil: every stored frame, u0 included
	Noise  float64 `json:"noise"`
}

// EvenSensors returns n grid points spread evenly over a periodic grid of cells points, each in the middle
// of its share: floor((2i + 1) cells / (2n)), i = 0..n-1.
func EvenSensors(cells, n int) ([]int, error) {
	if n < 1 || n > cells {
		return nil, fmt.Errorf("wdno: %d sensors on %d grid points, want 1..%d", n, cells, cells)
	}
	out := make([]int, n)
	for i := range out {
		out[i] = (2*i + 1) * cells / (2 * n)
	}
	return out, nil
}

// resolve validates s for layout configuration c and returns its readings as indices into u (Frames x
// Cells x State), frame-major, and the frames read.
func (s Sensors) resolve(c LayoutConfig) (idx, frames []int, err error) {
	if len(s.Cells) == 0 {
		return nil, nil, fmt.Errorf("wdno: no sensors")
	}
	if !(s.Noise >= 0) || math.IsInf(s.Noise, 0) {
		return nil, nil, fmt.Errorf("wdno: sensor noise %v, want a finite number >= 0", s.Noise)
	}
	increasing := func(what string, v []int, n int) error {
		for i, x := range v {
			if x < 0 || x >= n || (i > 0 && x <= v[i-1]) {
				return fmt.Errorf("wdno: sensor %s %v must increase strictly within [0, %d)", what, v, n)
			}
		}
		return nil
	}
	if c.State < 0 || c.Frames < 1 || c.Cells < 1 {
		return nil, nil, fmt.Errorf("wdno: sensors on %d frames x %d cells x %d channels", c.Frames, c.Cells, c.State)
	}
	if err := increasing("cells", s.Cells, c.Cells); err != nil {
		return nil, nil, err
	}
	frames = s.Frames
	if frames == nil {
		for k := range c.Frames {
			frames = append(frames, k)
		}
	}
	if len(frames) == 0 {
		return nil, nil, fmt.Errorf("wdno: sensors read no frame")
	}
	if err := increasing("frames", frames, c.Frames); err != nil {
		return nil, nil, err
	}
	for _, k := range frames {
		for _, x := range s.Cells {
			idx = append(idx, (k*c.Cells+x)*max(c.State, 1))
		}
	}
	return idx, slices.Clone(frames), nil
}

// Measure returns the sensor readings of trajectory u (the dataset's layout) plus noise drawn from Philox
// stream key of seed, so that every method sees the same measurements of a case.
func (s Sensors) Measure(c LayoutConfig, u []float64, seed uint64, key uint32) ([]float64, error) {
	idx, _, err := s.resolve(c)
	if err != nil {
		return nil, err
	}
	if nu := stateValues(c); len(u) != nu {
		return nil, fmt.Errorf("wdno: measuring a state of %d values, want %d", len(u), nu)
	}
	y := make([]float64, len(idx))
	diffusion.NewPhilox(seed).FillNormal(y, key, 0)
	for r, i := range idx {
		y[r] = u[i] + s.Noise*y[r]
	}
	return y, nil
}

// SensorOperator is state estimation's measurement operator on a layout's images, H x = S Decode_u(x): the
// sensor readings of the decoded state. Decode is linear, so H is, and H^T y = DecodeAdjoint(S^T y, 0). It
// implements diffusion.Operator and is not safe for concurrent use.
type SensorOperator struct {
	layout       Layout
	idx          []int
	u, f, gu, gf []float64
}

// NewSensorOperator returns the operator of sensors s on layout l.
func NewSensorOperator(l Layout, s Sensors) (*SensorOperator, error) {
	c := l.Config()
	idx, _, err := s.resolve(c)
	if err != nil {
		return nil, err
	}
	nu, nf := c.sizes()
	return &SensorOperator{layout: l, idx: idx, u: make([]float64, nu), f: make([]float64, nf),
		gu: make([]float64, nu), gf: make([]float64, nf)}, nil
}

func (o *SensorOperator) InDim() int  { return o.layout.Dim() }
func (o *SensorOperator) OutDim() int { return len(o.idx) }

func (o *SensorOperator) Apply(dst, x []float64) error {
	if len(dst) != len(o.idx) {
		return fmt.Errorf("wdno: %d sensor readings into %d values", len(o.idx), len(dst))
	}
	if err := o.layout.Decode(x, o.u, o.f); err != nil {
		return err
	}
	for r, i := range o.idx {
		dst[r] = o.u[i]
	}
	return nil
}

func (o *SensorOperator) Adjoint(dst, y []float64) error {
	if len(y) != len(o.idx) {
		return fmt.Errorf("wdno: adjoint of %d sensor readings given %d values", len(o.idx), len(y))
	}
	clear(o.gu)
	for r, i := range o.idx {
		o.gu[i] += y[r]
	}
	return o.layout.DecodeAdjoint(o.gu, o.gf, dst)
}

// InterpolateSensors is the model-free estimate: every frame read is interpolated linearly between its
// sensors around the periodic grid, and frames not read linearly in time between the nearest frames read
// (held constant beyond the first and last). Only state channel 0 is estimated; other channels stay zero.
func InterpolateSensors(c LayoutConfig, s Sensors, y []float64) ([]float64, error) {
	idx, frames, err := s.resolve(c)
	if err != nil {
		return nil, err
	}
	if len(y) != len(idx) {
		return nil, fmt.Errorf("wdno: %d sensor readings, want %d", len(y), len(idx))
	}
	u := make([]float64, stateValues(c))
	S, N := len(s.Cells), c.Cells
	at := func(k, x int) int { return (k*N + x) * max(c.State, 1) }
	for fi, k := range frames {
		row := y[fi*S : (fi+1)*S]
		for i := range S {
			a, b := s.Cells[i], s.Cells[(i+1)%S]
			gap := (b - a + N) % N
			if gap == 0 {
				gap = N // one sensor: constant around the circle
			}
			for d := range gap {
				w := float64(d) / float64(gap)
				u[at(k, (a+d)%N)] = (1-w)*row[i] + w*row[(i+1)%S]
			}
		}
	}
	for k := range c.Frames {
		j, _ := slices.BinarySearch(frames, k)
		if j < len(frames) && frames[j] == k {
			continue
		}
		lo, hi := frames[max(j-1, 0)], frames[min(j, len(frames)-1)]
		w := 0.0
		if hi != lo {
			w = float64(k-lo) / float64(hi-lo)
		}
		for x := range N {
			u[at(k, x)] = (1-w)*u[at(lo, x)] + w*u[at(hi, x)]
		}
	}
	return u, nil
}

// stateValues is the length of a state trajectory of c (State 0 counts as 1, the default).
func stateValues(c LayoutConfig) int { return c.Frames * c.Cells * max(c.State, 1) }
