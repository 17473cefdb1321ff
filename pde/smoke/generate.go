package smoke

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/pde"
)

// Generator draws WDNO-style trajectories; trajectory i of seed s uses pde.TrajectoryRNG(s, i).
type Generator struct{ Params Params }

// NewSimulator returns a simulator for g's parameters (one per worker).
func (g Generator) NewSimulator() (*Simulator, error) { return NewSimulator(g.Params) }

// plan is WDNO's waypoint plan in 128-grid coordinates: the smoke's start and four turns, the velocity
// of each of the four legs and the step at which each leg starts.
type plan struct {
	xs, ys     [5]float64
	vx, vy     [4]float64
	startSteps [4]int
}

// randInt returns a uniform integer in [lo, hi) like numpy's randint.
func randInt(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo) }

// newPlan draws WDNO's plan (smoke/dataset/a_gen_train.py, exp2_target_128 and get_per_vel): start
// x0 in [22, 97), y0 in [22, 25); turns at heights 40, 50 and 64 on the start's side, then the middle
// top exit at height 112; leg velocities along the legs at the mean speed (total length / steps),
// x-components scaled by U[2, 5] and y-components by 5, each perturbed by N(0, (v/4)^2).
func newPlan(r *rand.Rand, steps int) plan {
	var p plan
	x0, y0 := randInt(r, 22, 97), randInt(r, 22, 25)
	side := func() int {
		if x0 < 54 {
			return randInt(r, 21, 54)
		}
		return randInt(r, 64, 97)
	}
	t1, t2 := side(), side()
	t3 := randInt(r, 50, 69)
	end := randInt(r, 56, 62)
	p.xs = [5]float64{float64(x0), float64(t1), float64(t2), float64(t3), float64(end)}
	p.ys = [5]float64{float64(y0), 40, 50, 64, 112}
	var d [4]float64
	total := 0.0
	for k := range 4 {
		d[k] = math.Hypot(p.xs[k+1]-p.xs[k], p.ys[k+1]-p.ys[k])
		total += d[k]
	}
	v := total / float64(steps)
	scale := pde.Uniform(r, 2, 5)
	noisy := func(m float64) float64 { return m + math.Abs(m/4)*r.NormFloat64() }
	for k := range 4 {
		p.vx[k] = noisy(scale * v * (p.xs[k+1] - p.xs[k]) / d[k])
	}
	for k := range 4 {
		p.vy[k] = noisy(5 * v * (p.ys[k+1] - p.ys[k]) / d[k])
	}
	for k := 1; k < 4; k++ {
		p.startSteps[k] = p.startSteps[k-1] + int(float64(steps)*d[k-1]/total)
	}
	return p
}

// Trajectory draws and runs trajectory index of seed. The control of frame k is held for the frame's
// steps: in a frame that contains the start of leg w the band velocity is the leg velocity plus
// N(0, (v/10)^2) noise per stored cell; otherwise it is the band velocity reached at the end of the
// previous frame plus N(0, 0.1^2) noise (WDNO perturbs every step; here the control is constant per
// frame so that the stored control reproduces the stored trajectory exactly).
func (g Generator) Trajectory(ctx context.Context, s *Simulator, seed uint64, index int) (*Trajectory, error) {
	p := g.Params
	r := pde.TrajectoryRNG(seed, index)
	pl := newPlan(r, p.Steps)
	sc := float64(p.N) / 128
	size := max(1, int(math.Round(11*sc)))
	init := Initial{X0: int(math.Round(pl.xs[0] * sc)), Y0: int(math.Round(pl.ys[0] * sc)), Size: size}
	if err := s.Start(init); err != nil {
		return nil, err
	}
	f, m := p.Frames(), p.Save
	per := m * m * 2
	tr := &Trajectory{State: make([]float64, f*m*m*3), Control: make([]float64, f*per), Initial: init}
	legAt := map[int]int{} // frame -> leg starting in it (the last one if several)
	for w, st := range pl.startSteps {
		legAt[(st+p.Stride-1)/p.Stride] = w
	}
	r2 := p.Ratio()
	for k := range f {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := tr.Control[k*per : (k+1)*per]
		w, leg := legAt[k]
		if !leg {
			s.BandVelocity(c)
		}
		for Y := 0; Y < m; Y++ {
			for X := 0; X < m; X++ {
				o := (Y*m + X) * 2
				if !s.l.InBand(r2*Y, r2*X) {
					c[o], c[o+1] = 0, 0
					continue
				}
				if leg {
					c[o] = pl.vx[w] + math.Abs(pl.vx[w]/10)*r.NormFloat64()
					c[o+1] = pl.vy[w] + math.Abs(pl.vy[w]/10)*r.NormFloat64()
				} else {
					c[o] += 0.1 * r.NormFloat64()
					c[o+1] += 0.1 * r.NormFloat64()
				}
			}
		}
		if err := s.Frame(k, c); err != nil {
			return nil, err
		}
		s.Observe(tr.State[k*m*m*3 : (k+1)*m*m*3])
		tr.Outflow = append(tr.Outflow, s.Outflow())
	}
	return tr, nil
}
