package wdno

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// SuperModel is a trained super-resolution model (task superres). Its U-Net has no parameter tied to the
// image size (convolutions, normalisation, attention), so the same weights run on the image of any
// resolution's SuperLayout: that is how it refines past the resolutions it was trained on.
type SuperModel struct {
	Config     Config
	Checkpoint *train.Checkpoint
	nets       map[[3]int]diffusion.Denoiser // per image size (frames, height, width); not safe for concurrent use
}

// LoadSuperres reads a super-resolution run directory or checkpoint (weights as Load).
func LoadSuperres(path string, weights train.Weights) (*SuperModel, error) {
	st, c, err := readRun(path)
	if err != nil {
		return nil, err
	}
	if c.Task != TaskSuperres {
		return nil, fmt.Errorf("wdno: checkpoint %s is a %q model, not %q", path, cmp.Or(c.Task, "simulate"), TaskSuperres)
	}
	if want := superArch(c.Layout); st.Spec.Arch != want || (st.Spec.Unet2D == nil && st.Spec.Unet3D == nil) {
		return nil, fmt.Errorf("wdno: checkpoint %s: super-resolution at other sizes needs the %s network, not %q", path, want, st.Spec.Arch)
	}
	weights = c.weights(weights)
	ck, err := train.LoadCheckpoint(path, train.LoadOptions{Weights: weights})
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	return &SuperModel{Config: c, Checkpoint: ck, nets: map[[3]int]diffusion.Denoiser{}}, nil
}

// superArch is the network a layout's images need: unet2d for 1-D systems, unet3d (frames, height,
// width) for a 2-D grid.
func superArch(c LayoutConfig) string {
	if c.Grid != nil {
		return "unet3d"
	}
	return "unet2d"
}

// Layout is the super-resolution layout whose fine trajectory has frames x cells values, with the
// trained scales, padded to at least the training image: a trained level then sees exactly the images it
// was trained on (the coarser levels were trained inside the finest level's image, whose condition
// channel repeats each band over a quarter of that image's rows), a larger one its own padded size.
// It is Burgers' (1-D) layout; a smoke model's are built by layoutAt.
func (m *SuperModel) Layout(frames, cells int) (*SuperLayout, error) {
	if m.Config.Layout.Grid != nil {
		return nil, fmt.Errorf("wdno: a smoke super-resolution model's layout is 2-D, not %d frames x %d cells", frames, cells)
	}
	c := m.Config.Layout
	c.Frames, c.Cells = frames, cells
	l, err := m.layoutAt(c)
	if err != nil {
		return nil, err
	}
	return l.(*SuperLayout), nil
}

// layoutAt is the model's layout at the resolution of r (Frames, Cells, Grid), padded to at least the
// training image as Layout describes.
func (m *SuperModel) layoutAt(r LayoutConfig) (superLayout, error) {
	c := m.Config.Layout
	trained := c
	c.Frames, c.Cells, c.Grid = r.Frames, r.Cells, slices.Clone(r.Grid)
	c.Height, c.Width, c.ImageFrames = 0, 0, 0
	l, err := newSuperLayout(c)
	if err != nil {
		return nil, err
	}
	lc := l.Config()
	if lc.Height >= trained.Height && lc.Width >= trained.Width && lc.ImageFrames >= trained.ImageFrames {
		return l, nil
	}
	c.Height, c.Width = max(lc.Height, trained.Height), max(lc.Width, trained.Width)
	if c.Grid != nil {
		c.ImageFrames = max(lc.ImageFrames, trained.ImageFrames)
	}
	return newSuperLayout(c)
}

// denoiser is the checkpoint's network rebuilt for images of shape (channels, [frames,] height, width)
// with the trained weights.
func (m *SuperModel) denoiser(shape []int) (diffusion.Denoiser, error) {
	key := [3]int{1, shape[len(shape)-2], shape[len(shape)-1]}
	if len(shape) == 4 {
		key[0] = shape[1]
	}
	if d, ok := m.nets[key]; ok {
		return d, nil
	}
	spec := m.Checkpoint.State.Spec
	switch {
	case spec.Unet2D != nil && len(shape) == 3:
		u := *spec.Unet2D
		u.DimMults = slices.Clone(u.DimMults)
		u.Height, u.Width = key[1], key[2]
		spec.Unet2D = &u
	case spec.Unet3D != nil && len(shape) == 4:
		u := *spec.Unet3D
		u.DimMults = slices.Clone(u.DimMults)
		u.Frames, u.Height, u.Width = key[0], key[1], key[2]
		spec.Unet3D = &u
	default:
		return nil, fmt.Errorf("wdno: a %s network cannot take images of shape %v", spec.Arch, shape)
	}
	net, err := spec.New(m.Checkpoint.Net.Params().Dtype(), 0)
	if err != nil {
		return nil, fmt.Errorf("wdno: the network at %v: %w", shape, err)
	}
	if err := net.Params().CopyFrom(m.Checkpoint.Net.Params()); err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	d, _, err := m.Checkpoint.State.Objective.Denoiser(nn.NewPredictor(net))
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	m.nets[key] = d
	return d, nil
}

// UpsampleRequest is one dyadic refinement of a batch of trajectories: for each case the coarse state
// trajectory and the fine conditions.
type UpsampleRequest struct {
	// Coarse are the coarse state trajectories, CoarseSize(Frames, Cells) x State values each (smoke:
	// Frames x the grid halved x State).
	Coarse [][]float64
	// U0 are the fine initial states (Cells x State; smoke: frame 0 of u, whose density is the d0
	// condition) and F the fine controls (Frames x Cells x Control, for Burgers the last row zero); the
	// coarse control is F subsampled (the same control at both resolutions).
	U0, F  [][]float64
	Frames int // fine resolution
	Cells  int
	Grid   []int  // the fine grid of a 2-D system (smoke: [m, m], Cells = m*m); nil for 1-D
	Solver string // default sample.solver, else ddpm
	Steps  int    // default sample.steps, else 50
	Seed   uint64 // case j's noise depends on (Seed, j) and its batch
}

// Upsample generates the fine state trajectories of a request (WDNO's super-resolution step): the fine
// state's wavelet bands are sampled with the coarse bands, the fine f bands and the u0 condition clamped
// after every solver step and in every x0 prediction (whose other entries are clamped to [-1, 1]), then
// decoded exactly. Applied to its own output it reaches resolutions it was not trained on.
func (m *SuperModel) Upsample(ctx context.Context, req UpsampleRequest) (*Generated, error) {
	n := len(req.Coarse)
	if n == 0 || len(req.U0) != n || len(req.F) != n {
		return nil, fmt.Errorf("wdno: upsample %d coarse trajectories with %d initial states and %d controls, want as many (at least one)", n, len(req.U0), len(req.F))
	}
	if (req.Grid == nil) != (m.Config.Layout.Grid == nil) {
		return nil, fmt.Errorf("wdno: a model of %s trajectories cannot refine %s ones", levelLabel(m.Config.Layout),
			levelLabel(LayoutConfig{Frames: req.Frames, Cells: req.Cells, Grid: req.Grid}))
	}
	l, err := m.layoutAt(LayoutConfig{Frames: req.Frames, Cells: req.Cells, Grid: req.Grid})
	if err != nil {
		return nil, err
	}
	c := l.Config()
	nu, nf := c.sizes()
	N := c.Cells * c.State
	D := l.Dim()
	values := make([]float64, n*D)
	for j := range n {
		if len(req.U0[j]) != N {
			return nil, fmt.Errorf("wdno: case %d: the fine initial state has %d values, want %d", j, len(req.U0[j]), N)
		}
		if len(req.F[j]) != nf {
			return nil, fmt.Errorf("wdno: case %d: the fine control has %d values, want %d frames x %d cells x %d", j, len(req.F[j]), c.Frames, c.Cells, *c.Control)
		}
		u := make([]float64, nu)
		copy(u, req.U0[j])
		_, cf := coarsenFields(c, u, req.F[j])
		if err := l.Encode(u, req.F[j], req.Coarse[j], cf, values[j*D:(j+1)*D]); err != nil {
			return nil, fmt.Errorf("wdno: case %d: %w", j, err)
		}
	}
	sc := m.Config.Sample
	name, steps := cmp.Or(req.Solver, sc.Solver, "ddpm"), cmp.Or(req.Steps, sc.Steps, 50)
	den, err := m.denoiser(l.Shape())
	if err != nil {
		return nil, err
	}
	solver, err := diffusion.NewSolver(name)
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	p := m.Checkpoint.Process
	times, err := diffusion.DefaultSchedule(p).Times(p, steps)
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	plan, err := solver.Plan(p, times)
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	known := m.noiseMask(l)
	clip := !sc.NoClip
	fix := func(x0, _ []float64, _ float64) error {
		for j := 0; j < len(x0)/D; j++ {
			row, vals := x0[j*D:(j+1)*D], values[j*D:(j+1)*D]
			for i, k := range known {
				switch {
				case k:
					row[i] = vals[i]
				case clip:
					row[i] = min(1, max(-1, row[i]))
				}
			}
		}
		return nil
	}
	x := make([]float64, n*D)
	diffusion.NewPhilox(req.Seed).FillNormal(x, 1<<20, 0)
	s0 := p.Sigma(times[0])
	for i := range x {
		x[i] *= s0
	}
	var failed []int
	opt := diffusion.RunOptions{Seed: req.Seed, CorrectX0: fix, Condition: &diffusion.Inpaint{Mask: known, Values: values},
		NonFinite: func(j int, _ float64) { failed = append(failed, j) }}
	if err := diffusion.Sample(ctx, plan, den, x, opt); err != nil {
		return nil, fmt.Errorf("wdno: super-resolution sampling with %s: %w", name, err)
	}
	slices.Sort(failed)
	failed = slices.Compact(failed)
	out := &Generated{U: make([][]float64, n), F: make([][]float64, n), Failed: failed, NFE: plan.NFE}
	for j := range n {
		out.U[j], out.F[j] = make([]float64, nu), make([]float64, nf)
		if err := l.Decode(x[j*D:(j+1)*D], out.U[j], out.F[j]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// noiseMask marks the entries Upsample clamps to l's encoded values, the rest being sampled. At the
// trained image size it is the trainer's (within l's Known): one mask, the finest level's, served every level's batches,
// so a coarser level's padding inside the finest level's bands was noised in training (its target 0
// generated like the bands) and is generated here too, unread by Decode. Clamping it to its clean zeros
// instead would show the network inputs it never saw next to the bands. At other sizes it is l's Known.
func (m *SuperModel) noiseMask(l superLayout) []bool {
	known := l.Known()
	trained := m.Checkpoint.State.Inpaint
	if len(trained) == 0 || !slices.Equal(l.Shape(), m.Checkpoint.Net.Shape()) {
		return known
	}
	given := make([]bool, len(known))
	for _, i := range trained {
		given[i] = true
	}
	for i := range known {
		known[i] = known[i] && given[i] // an entry l generates stays generated
	}
	return known
}
