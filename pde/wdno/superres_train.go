package wdno

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/internal/stream"
	"github.com/trajdiff/trajdiff/train"
)

// TaskSuperres is Config.Task of a super-resolution model (SuperModel): the fine trajectory from the
// coarse one and the fine conditions u0 and f.
const TaskSuperres = "superres"

// SuperresConfig is the [superres] section of a super-resolution run.
type SuperresConfig struct {
	// Levels are the trained steps as numbers of halvings of the dataset: level k pairs the dataset
	// subsampled 2^k times (fine) with it subsampled 2^(k+1) times (coarse). Default [0, 1]: for 41 x 60
	// data the pairs 41 x 60 | 21 x 30 and 21 x 30 | 11 x 15; smoke halves the grid only, every frame kept
	// (32 x 32 data: 32 | 16 and 16 | 8). One level is drawn per batch.
	Levels []int `json:"levels,omitempty"`
}

func (s SuperresConfig) levels() ([]int, error) {
	lv := slices.Clone(s.Levels)
	if len(lv) == 0 {
		lv = []int{0, 1}
	}
	slices.Sort(lv)
	for i, k := range lv {
		if k < 0 || k > 8 || (i > 0 && lv[i-1] == k) {
			return nil, fmt.Errorf("wdno: superres levels %v: want distinct levels in [0, 8]", s.Levels)
		}
	}
	return lv, nil
}

// levelSize is the resolution of frames x cells subsampled by two k times.
func levelSize(frames, cells, k int) (int, int) {
	for range k {
		frames, cells = CoarseSize(frames, cells)
	}
	return frames, cells
}

// superLayouts are the layouts of the trained levels, all padded to one image size (the largest level's:
// the trainer's batches have one shape), with the given scales.
func superLayouts(c LayoutConfig, d *Data, levels []int) ([]superLayout, error) {
	c = d.layout(c)
	if c.Height == 0 || c.Width == 0 || (c.Grid != nil && c.ImageFrames == 0) {
		top, err := atLevel(c, levels[0])
		if err != nil {
			return nil, err
		}
		top.Scales = nil
		l, err := newSuperLayout(top)
		if err != nil {
			return nil, err
		}
		tc := l.Config()
		c.Height, c.Width = max(c.Height, tc.Height), max(c.Width, tc.Width)
		if c.Grid != nil {
			c.ImageFrames = max(c.ImageFrames, tc.ImageFrames)
		}
	}
	out := make([]superLayout, len(levels))
	for i, k := range levels {
		lc, err := atLevel(c, k)
		if err != nil {
			return nil, err
		}
		if out[i], err = newSuperLayout(lc); err != nil {
			return nil, fmt.Errorf("wdno: superres level %d (%s): %w", k, levelLabel(lc), err)
		}
	}
	return out, nil
}

// levelFields subsamples a Burgers trajectory k times (fieldsAtLevel for 1-D data).
func levelFields(u, f []float64, frames, cells, state, control, k int) ([]float64, []float64) {
	for range k {
		u, f = subsample(u, frames, cells, state), subsample(f, frames, cells, control)
		frames, cells = CoarseSize(frames, cells)
	}
	return u, f
}

// superresTrainer is Config.Trainer for task superres.
func (c Config) superresTrainer() (*train.Trainer, *Data, error) {
	sc := SuperresConfig{}
	if c.Superres != nil {
		sc = *c.Superres
	}
	levels, err := sc.levels()
	if err != nil {
		return nil, nil, err
	}
	d, err := OpenData(c.Data.Path)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*train.Trainer, *Data, error) {
		d.Close()
		return nil, nil, err
	}
	top := levels[len(levels)-1]
	if lc, err := atLevel(d.layout(LayoutConfig{}), top+1); err != nil || lc.Frames < 2 || lc.Cells < 2 {
		return fail(fmt.Errorf("wdno: %s (%s) is too coarse for superres level %d: %v", d.Path, levelLabel(d.layout(LayoutConfig{})), top, err))
	}
	if c.Layout.Scales == nil {
		n := c.Data.ScaleExamples
		if n == 0 {
			n = 1000
		}
		if c.Layout.Scales, err = fitSuperScales(c.Layout, d, levels, n); err != nil {
			return fail(err)
		}
	}
	ls, err := superLayouts(c.Layout, d, levels)
	if err != nil {
		return fail(err)
	}
	c.Layout = d.layout(ls[0].Config()) // the dataset's resolution padded to the training image
	c.Superres = &SuperresConfig{Levels: levels}
	if d.IsBurgers() {
		p := d.Params
		c.Solver = &p
	}
	c.Dataset = &d.Generator
	for _, l := range ls {
		if err := checkWidth(c.Network, l.Shape(), l.Known()); err != nil {
			return fail(err)
		}
	}
	net, err := c.Network.New(tensor.Float32, c.Train.Seed)
	if err != nil {
		return fail(fmt.Errorf("wdno: %w", err))
	}
	if !slices.Equal(net.Shape(), ls[0].Shape()) || net.CondDim() != 0 {
		return fail(fmt.Errorf("wdno: the network takes %v (cond_dim %d), super-resolution images are %v with no condition vector", net.Shape(), net.CondDim(), ls[0].Shape()))
	}
	var inpaint []int
	for i, k := range ls[0].Known() {
		if k {
			inpaint = append(inpaint, i)
		}
	}
	extra, err := json.Marshal(c)
	if err != nil {
		return fail(fmt.Errorf("wdno: %w", err))
	}
	src := &superSource{data: d, layouts: ls, levels: levels, batch: c.Train.Batch, seed: c.Train.Seed, perms: map[int][]int{}}
	return &train.Trainer{Spec: c.Network, Objective: c.Objective, Source: src, Inpaint: inpaint, Options: c.Train,
		Dir: c.Out, Extra: extra}, d, nil
}

// fitSuperScales is FitScales for super-resolution: each channel's largest magnitude over the first n
// trajectories at every trained level.
func fitSuperScales(c LayoutConfig, d *Data, levels []int, n int) ([]float64, error) {
	c.Scales = nil
	ls, err := superLayouts(c, d, levels)
	if err != nil {
		return nil, err
	}
	if n <= 0 || n > d.Len() {
		n = d.Len()
	}
	ch := ls[0].Shape()[0]
	scales := make([]float64, ch)
	var u, f []float64
	for _, l := range ls {
		x := make([]float64, l.Dim())
		per := l.Dim() / ch
		for i := 0; i < n; i++ {
			if u, f, err = d.Fields(i, u, f); err != nil {
				return nil, err
			}
			if err := encodeLevel(l, d, u, f, x); err != nil {
				return nil, fmt.Errorf("wdno: trajectory %d: %w", i, err)
			}
			for j, v := range x {
				scales[j/per] = max(scales[j/per], math.Abs(v))
			}
		}
	}
	for j, s := range scales {
		if s == 0 {
			scales[j] = 1
		}
	}
	return scales, nil
}

// encodeLevel encodes a dataset trajectory as a training example of l's level: the trajectory
// subsampled to l's fine resolution, paired with its own subsample.
func encodeLevel(l superLayout, d *Data, u, f, dst []float64) error {
	c, dc := l.Config(), d.layout(LayoutConfig{})
	k := 0
	for ; dc.Frames != c.Frames || dc.Cells != c.Cells; k++ {
		var err error
		if dc, err = coarser(dc); err != nil || k > 16 {
			return fmt.Errorf("wdno: %s is no subsample of %s", levelLabel(c), levelLabel(d.layout(LayoutConfig{})))
		}
	}
	uf, ff, err := fieldsAtLevel(d.layout(LayoutConfig{}), u, f, k)
	if err != nil {
		return err
	}
	cu, cf, err := l.Coarsen(uf, ff)
	if err != nil {
		return err
	}
	return l.Encode(uf, ff, cu, cf, dst)
}

// superSource serves super-resolution examples: every batch is one level, drawn from the stream keyed by
// (seed, step), and example b of step s is trajectory perm_e(g mod n), g = s B + b, as in source.
type superSource struct {
	data    *Data
	layouts []superLayout
	levels  []int
	batch   int
	seed    uint64
	perms   map[int][]int
	u, f    []float64
}

var _ train.Source = (*superSource)(nil)

func (s *superSource) Dim() int     { return s.layouts[0].Dim() }
func (s *superSource) CondDim() int { return 0 }

// Level is the index into levels of step's batch.
func (s *superSource) Level(step int) int {
	return stream.RNG(s.seed, "wdno/superres/level", uint64(step), "train").IntN(len(s.levels))
}

func (s *superSource) perm(epoch int) []int { return epochPerm(s.perms, s.seed, epoch, s.data.Len()) }

func (s *superSource) Batch(step int, x0, _ []float64) error {
	D, n := s.Dim(), s.data.Len()
	if len(x0)%D != 0 {
		return fmt.Errorf("wdno: batch buffer of %d values for examples of %d", len(x0), D)
	}
	l := s.layouts[s.Level(step)]
	for b := 0; b < len(x0)/D; b++ {
		g := step*s.batch + b
		i := s.perm(g / n)[g%n]
		var err error
		if s.u, s.f, err = s.data.Fields(i, s.u, s.f); err != nil {
			return err
		}
		if err := encodeLevel(l, s.data, s.u, s.f, x0[b*D:(b+1)*D]); err != nil {
			return fmt.Errorf("wdno: trajectory %d: %w", i, err)
		}
	}
	return nil
}
