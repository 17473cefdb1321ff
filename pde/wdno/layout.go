package wdno

import (
	"fmt"
	"math"
	"slices"
)

// Task is what a model generates from what it is given.
type Task int

const (
	// Simulate generates the state trajectory u from the initial state u0 and the control f.
	Simulate Task = iota
	// Control generates the state u and the control f jointly from u0 and the target final state u*.
	Control
	// Estimate generates the state trajectory u from the control f alone, the initial state unknown: the
	// prior of state estimation, conditioned on sparse measurements of u at sampling time (Model.Estimate).
	Estimate
	numTasks
)

func (t Task) String() string {
	switch t {
	case Simulate:
		return "simulate"
	case Control:
		return "control"
	case Estimate:
		return "estimate"
	}
	return fmt.Sprintf("Task(%d)", int(t))
}

// valid reports whether t is one of the tasks.
func (t Task) valid() bool { return t >= Simulate && t < numTasks }

// ParseTask reads "simulate", "control" or "estimate".
func ParseTask(s string) (Task, error) {
	switch s {
	case "simulate", "simulation", "sim":
		return Simulate, nil
	case "control":
		return Control, nil
	case "estimate", "estimation":
		return Estimate, nil
	}
	return 0, fmt.Errorf("wdno: unknown task %q (want simulate, control or estimate)", s)
}

// Spaces of LayoutConfig.Space.
const (
	SpaceWavelet  = "wavelet"  // WDNO: one-level DWT subbands as channels
	SpacePhysical = "physical" // the DDPM baseline: u and f as two channels
)

// LayoutConfig describes how a trajectory of a 1-D fields dataset, the state u (Frames x Cells x State,
// the dataset's layout) and the control f (Frames x Cells x Control; for Burgers the last control row is
// zero), becomes the Channels x Height x Width image a denoiser sees.
type LayoutConfig struct {
	Space  string `json:"space"`  // wavelet (default) or physical
	Frames int    `json:"frames"` // stored state frames K+1
	Cells  int    `json:"cells"`  // grid points N
	// State is the number of state channels (default 1: Burgers' u; 3 for CNS) and Control the number
	// of control channels (nil: 1, Burgers' f; 0 for a system without control). Train sets all four
	// sizes from the dataset.
	State   int    `json:"state,omitempty"`
	Control *int   `json:"control,omitempty"`
	Wavelet string `json:"wavelet,omitempty"` // wavelet space: default bior2.4
	Mode    string `json:"mode,omitempty"`    // wavelet space: default periodization
	// Height and Width are the padded image size (0: the smallest multiple of Multiple that holds the
	// bands, or the fields in physical space).
	Height   int `json:"height,omitempty"`
	Width    int `json:"width,omitempty"`
	Multiple int `json:"multiple,omitempty"` // default 4 (a U-Net with dim_mults of length 3)
	// Grid is the spatial grid of a 2-D system (smoke: [m, m], the dataset's axes (x, y)); nil for 1-D
	// data. With a grid, Cells = m*m (cell (x, y) is index x m + y), the image is 3-D, Channels x
	// ImageFrames x Height x Width, and the layout is smoke's (layout_smoke.go). Train sets it from the data.
	Grid []int `json:"grid,omitempty"`
	// ImageFrames is the padded time extent of a 3-D image (0: the smallest multiple of 4 that holds the
	// time bands, or the frames in physical space).
	ImageFrames int `json:"image_frames,omitempty"`
	// Scales divide each channel (WDNO's rescaler): every value a model sees is a coefficient over its
	// channel's scale. FitScales sets them to the channels' largest magnitudes on training data, so that
	// clean examples lie in [-1, 1], where sampling clamps its x0 predictions.
	Scales []float64 `json:"scales,omitempty"`
}

// Layout maps Burgers trajectories to images and back. Implementations are immutable and safe for
// concurrent use.
type Layout interface {
	Config() LayoutConfig
	// Shape is [channels, height, width] ([channels, frames, height, width] for a 2-D grid); Dim its
	// product.
	Shape() []int
	Dim() int
	// Encode writes the scaled image of the trajectory (u, f in the dataset's layout) for task: fields,
	// condition channels and zero padding. The target final state is u's last frame; in estimation the
	// condition is empty (zero).
	Encode(task Task, u, f, dst []float64) error
	// Known marks the entries a task gives: condition values and padding. Sampling clamps them and
	// training carries them clean (inpainting).
	Known(task Task) []bool
	// Decode inverts Encode's field channels: u and f (the dataset's layout) from an image.
	Decode(x, u, f []float64) error
	// DecodeAdjoint is the transpose of Decode: the gradient gx of a function of (u, f) with respect
	// to the image, from its gradients gu and gf. Decode is linear, so this is exact.
	DecodeAdjoint(gu, gf, gx []float64) error
}

// NewLayout validates c and builds its layout.
func NewLayout(c LayoutConfig) (Layout, error) {
	if c.Space == "" {
		c.Space = SpaceWavelet
	}
	if c.Multiple == 0 {
		c.Multiple = 4
	}
	if c.State == 0 {
		c.State = 1
	}
	if c.Control == nil {
		one := 1
		c.Control = &one
	} else {
		n := *c.Control
		c.Control = &n
	}
	switch {
	case c.State < 1 || *c.Control < 0:
		return nil, fmt.Errorf("wdno: %d state and %d control channels, want at least 1 and at least 0", c.State, *c.Control)
	case c.Frames < 2 || c.Cells < 2:
		return nil, fmt.Errorf("wdno: layout of %d frames x %d cells, want at least 2 x 2", c.Frames, c.Cells)
	case c.Multiple < 1:
		return nil, fmt.Errorf("wdno: layout multiple %d, want at least 1", c.Multiple)
	case c.Height < 0 || c.Width < 0:
		return nil, fmt.Errorf("wdno: negative image size %d x %d", c.Height, c.Width)
	}
	if c.Grid != nil {
		return newSmokeLayout(c)
	}
	if c.ImageFrames != 0 {
		return nil, fmt.Errorf("wdno: image_frames %d is for 2-D grids (a 3-D image); this layout is 1-D", c.ImageFrames)
	}
	switch c.Space {
	case SpaceWavelet:
		return newWaveletLayout(c)
	case SpacePhysical:
		if c.Wavelet != "" || c.Mode != "" {
			return nil, fmt.Errorf("wdno: a physical-space layout has no wavelet (got %q, %q)", c.Wavelet, c.Mode)
		}
		return newPhysicalLayout(c)
	}
	return nil, fmt.Errorf("wdno: unknown layout space %q (want wavelet or physical)", c.Space)
}

// padTo returns n rounded up to a multiple of m, or want when it is set (an error when want < n).
func padTo(n, want, m int, what string) (int, error) {
	if want == 0 {
		return (n + m - 1) / m * m, nil
	}
	if want < n {
		return 0, fmt.Errorf("wdno: image %s %d cannot hold %d values", what, want, n)
	}
	if want%m != 0 {
		return 0, fmt.Errorf("wdno: image %s %d is not a multiple of %d", what, want, m)
	}
	return want, nil
}

// checkScales validates the per-channel scales (nil: all 1).
func checkScales(s []float64, channels int) ([]float64, error) {
	if s == nil {
		return slices.Repeat([]float64{1}, channels), nil
	}
	if len(s) != channels {
		return nil, fmt.Errorf("wdno: %d scales for %d channels", len(s), channels)
	}
	for i, v := range s {
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("wdno: scale %d is %v, want positive and finite", i, v)
		}
	}
	return slices.Clone(s), nil
}

// sizes returns the values of u and f of one trajectory.
func (c LayoutConfig) sizes() (nu, nf int) {
	return c.Frames * c.Cells * c.State, c.Frames * c.Cells * *c.Control
}

// checkFields validates a trajectory's u and f (for a resolved configuration).
// checkEncode checks the arguments of a layout's Encode: the fields (checkFields), an image of dim
// values and a known task.
func checkEncode(c LayoutConfig, task Task, u, f, dst []float64, dim int) error {
	if err := checkFields(c, u, f); err != nil {
		return err
	}
	if len(dst) != dim {
		return fmt.Errorf("wdno: image of %d values, want %d", len(dst), dim)
	}
	if !task.valid() {
		return fmt.Errorf("wdno: unknown task %v", task)
	}
	return nil
}

func checkFields(c LayoutConfig, u, f []float64) error {
	nu, nf := c.sizes()
	if len(u) != nu || len(f) != nf {
		return fmt.Errorf("wdno: u has %d values and f %d, want %d frames x %d cells x (%d, %d) channels = %d and %d",
			len(u), len(f), c.Frames, c.Cells, c.State, *c.Control, nu, nf)
	}
	for k, v := range [2][]float64{u, f} {
		ch := c.State
		if k == 1 {
			ch = *c.Control
		}
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("wdno: non-finite %s value at frame %d, cell %d", [2]string{"state", "control"}[k], i/(c.Cells*ch), i/ch%c.Cells)
			}
		}
	}
	return nil
}

// gather copies channel ch of a Frames x Cells x nch field into dst (Frames x Cells); scatter is its
// inverse.
func gather(dst, v []float64, ch, nch int) {
	for i := range dst {
		dst[i] = v[i*nch+ch]
	}
}

func scatter(v, src []float64, ch, nch int) {
	for i, x := range src {
		v[i*nch+ch] = x
	}
}
