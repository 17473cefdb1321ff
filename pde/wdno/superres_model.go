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
	nets       map[[2]int]diffusion.Denoiser // per image size; not safe for concurrent use
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
	if st.Spec.Arch != "unet2d" || st.Spec.Unet2D == nil {
		return nil, fmt.Errorf("wdno: checkpoint %s: super-resolution at other sizes needs the unet2d network, not %q", path, st.Spec.Arch)
	}
	weights = c.weights(weights)
	ck, err := train.LoadCheckpoint(path, train.LoadOptions{Weights: weights})
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	return &SuperModel{Config: c, Checkpoint: ck, nets: map[[2]int]diffusion.Denoiser{}}, nil
}

// Layout is the super-resolution layout whose fine trajectory has frames x cells values, with the
// trained scales, padded to at least the training image: a trained level then sees exactly the images it
// was trained on (the coarser levels were trained inside the finest level's image, whose condition
// channel repeats each band over a quarter of that image's rows), a larger one its own padded size.
func (m *SuperModel) Layout(frames, cells int) (*SuperLayout, error) {
	c := m.Config.Layout
	trained := [2]int{c.Height, c.Width}
	c.Frames, c.Cells, c.Height, c.Width = frames, cells, 0, 0
	l, err := NewSuperLayout(c)
	if err != nil || (l.h >= trained[0] && l.w >= trained[1]) {
		return l, err
	}
	c.Height, c.Width = max(l.h, trained[0]), max(l.w, trained[1])
	return NewSuperLayout(c)
}

// denoiser is the checkpoint's network rebuilt for images of h x w with the trained weights.
func (m *SuperModel) denoiser(h, w int) (diffusion.Denoiser, error) {
	if d, ok := m.nets[[2]int{h, w}]; ok {
		return d, nil
	}
	spec := m.Checkpoint.State.Spec
	u := *spec.Unet2D
	u.DimMults = slices.Clone(u.DimMults)
	u.Height, u.Width = h, w
	spec.Unet2D = &u
	net, err := spec.New(m.Checkpoint.Net.Params().Dtype(), 0)
	if err != nil {
		return nil, fmt.Errorf("wdno: the network at %d x %d: %w", h, w, err)
	}
	if err := net.Params().CopyFrom(m.Checkpoint.Net.Params()); err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	d, _, err := m.Checkpoint.State.Objective.Denoiser(nn.NewPredictor(net))
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	m.nets[[2]int{h, w}] = d
	return d, nil
}

// UpsampleRequest is one dyadic refinement of a batch of trajectories: for each case the coarse state
// trajectory and the fine conditions.
type UpsampleRequest struct {
	// Coarse are the coarse state trajectories, CoarseSize(Frames, Cells) x State values each.
	Coarse [][]float64
	// U0 are the fine initial states (Cells x State) and F the fine controls (Frames x Cells x Control,
	// the last row zero); the coarse control is F subsampled (the same control at both resolutions).
	U0, F  [][]float64
	Frames int // fine resolution
	Cells  int
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
	l, err := m.Layout(req.Frames, req.Cells)
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
		cf := subsample(req.F[j], c.Frames, c.Cells, *c.Control)
		if err := l.Encode(u, req.F[j], req.Coarse[j], cf, values[j*D:(j+1)*D]); err != nil {
			return nil, fmt.Errorf("wdno: case %d: %w", j, err)
		}
	}
	sc := m.Config.Sample
	name, steps := cmp.Or(req.Solver, sc.Solver, "ddpm"), cmp.Or(req.Steps, sc.Steps, 50)
	den, err := m.denoiser(l.h, l.w)
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
	known := l.Known()
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
