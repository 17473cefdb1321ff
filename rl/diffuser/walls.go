package diffuser

import (
	"math"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/train"
)

// freeProjection keeps a plan's positions in the maze's free space (Options.WallClearance): every
// x0-prediction's waypoints (x, y), and the finished plan's, are replaced by their nearest point of
// rl.FreeSpace. It works in the limits normaliser's units of the planner's model, where x = lo + (u + 1)
// span / 2.
type freeProjection struct {
	free     *rl.FreeSpace
	lo, span [2]float64
	clip     bool // clip the projected coordinates to [-1, 1] as the x0-predictions are (Options.NoClip off)
	horizon  int
	stride   int  // values per step (the transition)
	noGoal   bool // the last step is not inpainted, so it is projected too
}

// newFreeProjection validates the clearance and reads the position range of the model's limits
// normaliser (the maze2d planners' only one; checkMaze read it already).
func newFreeProjection(m *train.Model, l *rl.Layout, opt Options) (*freeProjection, error) {
	if opt.WallClearance == 0 {
		return nil, nil
	}
	free, err := l.FreeSpace(opt.WallClearance)
	if err != nil {
		return nil, badInput("WallClearance: %v", err)
	}
	lo, hi, ok := m.Normalizer(1).Limits()
	if !ok {
		return nil, badInput("WallClearance needs a model with the limits normaliser (its observations' range), this one normalises with %v", m.Normalizer(1).Kind())
	}
	f := &freeProjection{free: free, clip: !opt.NoClip, horizon: m.Horizon, stride: m.Transition, noGoal: opt.NoGoal}
	for k := range 2 {
		f.lo[k], f.span[k] = lo[k], hi[k]-lo[k]
	}
	return f, nil
}

// correct projects the waypoints of the N windows of x0-predictions (training units) in place. The start,
// and the goal unless NoGoal, are inpainted (and valid): they are left alone.
func (f *freeProjection) correct(x0, _ []float64, _ float64) error {
	last := f.horizon - 1
	if f.noGoal {
		last = f.horizon
	}
	window := f.horizon * f.stride
	for w := 0; w+window <= len(x0); w += window {
		for t := 1; t < last; t++ {
			i := w + t*f.stride + obsOffset
			var p [2]float64
			for k := range 2 {
				p[k] = f.lo[k] + (x0[i+k]+1)*f.span[k]/2
			}
			qx, qy := f.free.Nearest(p[0], p[1])
			if qx == p[0] && qy == p[1] {
				continue
			}
			for k, q := range [2]float64{qx, qy} {
				u := 2*(q-f.lo[k])/f.span[k] - 1
				if f.clip {
					u = math.Max(-1, math.Min(1, u))
				}
				x0[i+k] = u
			}
		}
	}
	return nil
}

// plan projects a finished plan's waypoints (data units).
func (f *freeProjection) plan(obs [][4]float64) {
	last := len(obs) - 1
	if f.noGoal {
		last = len(obs)
	}
	for t := 1; t < last; t++ {
		obs[t][0], obs[t][1] = f.free.Nearest(obs[t][0], obs[t][1])
	}
}

// correction chains the planner's x0-corrections: the value guide's step, then the projection (nil when
// there is neither).
func (p *Planner) correction() func(x0, x []float64, t float64) error {
	guide := p.guide.correction()
	switch {
	case p.free == nil:
		return guide
	case guide == nil:
		return p.free.correct
	}
	return func(x0, x []float64, t float64) error {
		if err := guide(x0, x, t); err != nil {
			return err
		}
		return p.free.correct(x0, x, t)
	}
}
