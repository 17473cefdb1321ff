//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
)

// ValueGuide is the value guide as an X0Corrector: Fix (clamping, fixed entries; nil for none) and then
// the guide's move, as train.Model.Sample composes ClipX0 and the request's CorrectX0. Its buffers are
// allocated once (NewValueGuide) and every launch reads only them and t, so a step graph captured with it
// replays it.
type ValueGuide struct {
	Fix  X0Corrector
	d    *Device
	cfg  ValueGuideConfig
	vg   valueDiff
	free Buffer
	y    Buffer
}

// NewValueGuide validates c and allocates the guide's device memory (Close frees it).
func NewValueGuide(d *Device, c ValueGuideConfig, fix X0Corrector) (*ValueGuide, error) {
	switch {
	case c.Process == nil:
		return nil, fmt.Errorf("gpu: value guide without its process")
	case c.Net == nil:
		return nil, fmt.Errorf("gpu: value guide without its value network")
	case len(c.Free) != c.Net.valueWindow():
		return nil, fmt.Errorf("gpu: value guide: a mask of %d entries for windows of %d", len(c.Free), c.Net.valueWindow())
	case c.Steps < 1 || math.IsNaN(c.Scale) || math.IsInf(c.Scale, 0) || math.IsNaN(c.Stop):
		return nil, fmt.Errorf("gpu: value guide of scale %v, %d steps, stop time %v", c.Scale, c.Steps, c.Stop)
	}
	vg, err := newValueDiff(d, c.Net, c.Windows)
	if err != nil {
		return nil, err
	}
	g := &ValueGuide{Fix: fix, d: d, cfg: c, vg: vg}
	free := make([]float32, len(c.Free))
	for i, f := range c.Free {
		if f {
			free[i] = 1
		}
	}
	if g.free, err = d.Alloc(len(free)); err == nil {
		err = d.Upload(g.free, free)
	}
	if err == nil {
		g.y, err = d.Alloc(c.Windows * c.Net.valueWindow())
	}
	if err != nil {
		g.Close()
		return nil, fmt.Errorf("gpu: value guide: %w", err)
	}
	return g, nil
}

// valueDiff is a value network's forward and backward pass on the device for a fixed batch of windows:
// Gradient leaves J in Values() and dJ/d(input) in InputGrad() [windows, I], whose first Window columns
// of each row are dJ/dx (I = Window for the U-Net, Window + Features for the MLP).
type valueDiff interface {
	Gradient(s *Stream, x Buffer, t float64) error
	Values() Buffer
	InputGrad() Buffer
	Close() error
}

// newValueDiff uploads net for batches of windows windows: ValueGradient for a ValueMLP,
// ValueUnetGradient for a *ValueUnet.
func newValueDiff(d *Device, net ValueNet, windows int) (valueDiff, error) {
	switch n := net.(type) {
	case ValueMLP:
		v, err := NewValueGradient(d, n, windows)
		if err != nil {
			return nil, err
		}
		return v, nil
	case *ValueUnet:
		v, err := NewValueUnetGradient(d, n, windows)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
	return nil, fmt.Errorf("gpu: value guide of a %T network", net)
}

// Close frees the guide's device memory.
func (g *ValueGuide) Close() error {
	err := g.vg.Close()
	if ferr := g.d.freeAll(&g.free, &g.y); err == nil {
		err = ferr
	}
	return err
}

// CorrectX0 implements X0Corrector: Fix, then x0 += (y_n - x)/alpha(t).
func (g *ValueGuide) CorrectX0(s *Stream, x0, x Buffer, t float64) error {
	if g.Fix != nil {
		if err := g.Fix.CorrectX0(s, x0, x, t); err != nil {
			return err
		}
	}
	c := g.cfg
	if t < c.Stop {
		return nil
	}
	a, sg := c.Process.Alpha(t), c.Process.Sigma(t)
	if !(a > 0) {
		return nil // pure noise: no x0 to move
	}
	k := c.Scale
	if !c.NoStd {
		k *= sg * sg
	}
	if x.n != g.y.n || x0.n != g.y.n {
		return fmt.Errorf("gpu: value guide of %d windows of %d, got %d and %d values", c.Windows, c.Net.valueWindow(), x0.n, x.n)
	}
	if err := s.Copy(g.y, x); err != nil {
		return err
	}
	gin := g.vg.InputGrad()
	B, W := c.Windows, c.Net.valueWindow()
	I := gin.n / B
	for range c.Steps {
		if err := g.vg.Gradient(s, g.y, t); err != nil {
			return err
		}
		if err := s.d.do(func() error {
			return s.grid1(kValueStep, int64(B*W), pArg(g.y.ptr), pArg(gin.ptr), pArg(g.free.ptr), iArg(int64(B)), iArg(int64(W)), iArg(int64(I)), fArg(k))
		}); err != nil {
			return err
		}
	}
	if err := s.Axpby(g.y, -1, x, 1); err != nil { // y - x
		return err
	}
	return s.Axpby(x0, 1/a, g.y, 1)
}
