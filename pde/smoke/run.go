package smoke

import (
	"context"
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// Trajectory is a stored-grid trajectory.
type Trajectory struct {
	State   []float64 // Frames x Save x Save x 3: density, vx, vy
	Control []float64 // Frames x Save x Save x 2: the band velocity applied during each frame
	Outflow []Outflow // per frame
	Initial Initial
}

// Run starts from init and runs every frame under control (Frames x Save x Save x 2).
func (s *Simulator) Run(ctx context.Context, init Initial, control []float64) (*Trajectory, error) {
	f, m := s.p.Frames(), s.m
	per := m * m * 2
	if len(control) != f*per {
		return nil, pde.Invalidf("smoke: control has %d values, want %d frames x %d x %d x 2 = %d", len(control), f, m, m, f*per)
	}
	if err := s.Start(init); err != nil {
		return nil, err
	}
	tr := &Trajectory{State: make([]float64, f*m*m*3), Control: append([]float64(nil), control...), Initial: init}
	for k := range f {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.Frame(k, control[k*per:(k+1)*per]); err != nil {
			return nil, err
		}
		s.Observe(tr.State[k*m*m*3 : (k+1)*m*m*3])
		tr.Outflow = append(tr.Outflow, s.Outflow())
	}
	return tr, nil
}

// Objective is WDNO's control objective
//
//	J = -smoke_out(T) + EnergyWeight mean(c^2) + D0Weight mean((d(0) - D0Target)^2),
//
// smoke_out being the fraction of the smoke that left through the target exit by the last frame, the
// energy mean running over every stored control value, and the last term (used when D0Target is set;
// WDNO's evaluation weighs it 0.1) comparing the stored density of frame 0 with a given one.
type Objective struct {
	EnergyWeight float64
	D0Weight     float64
	D0Target     []float64 // Save x Save, rows y, columns x; nil: no initial-density term
}

// Cost holds J and its parts.
type Cost struct {
	J        float64
	SmokeOut float64 // fraction through the target exit at the last frame
	Leakage  float64 // fraction through the other exits
	Energy   float64 // mean of the squared control
	Misfit   float64 // mean of (d(0) - D0Target)^2 over the stored cells (0 without D0Target)
}

// check validates the objective for a stored grid of m x m cells.
func (o Objective) check(m int) error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if !finite(o.EnergyWeight) || !finite(o.D0Weight) {
		return pde.Invalidf("smoke objective: weights %v, %v must be finite", o.EnergyWeight, o.D0Weight)
	}
	if o.D0Target != nil {
		if len(o.D0Target) != m*m {
			return pde.Invalidf("smoke objective: initial density target has %d values, want %d x %d", len(o.D0Target), m, m)
		}
		if err := pde.CheckFinite("smoke objective: initial density target", o.D0Target); err != nil {
			return err
		}
	}
	return nil
}

// Eval scores a trajectory run in layout l.
func (o Objective) Eval(tr *Trajectory, l Layout) Cost {
	last := tr.Outflow[len(tr.Outflow)-1]
	total := last.Remaining
	for _, e := range last.Exits {
		total += e
	}
	c := Cost{SmokeOut: last.SmokeOut(l.Target)}
	if total > 0 {
		c.Leakage = (total - last.Remaining - last.Exits[l.Target]) / total
	}
	for _, v := range tr.Control {
		c.Energy += v * v
	}
	if len(tr.Control) > 0 {
		c.Energy /= float64(len(tr.Control))
	}
	if o.D0Target != nil {
		for i, want := range o.D0Target {
			e := tr.State[3*i] - want
			c.Misfit += e * e
		}
		c.Misfit /= float64(len(o.D0Target))
	}
	c.J = -c.SmokeOut + o.EnergyWeight*c.Energy + o.D0Weight*c.Misfit
	return c
}

// ControlObjective runs the true solver from init under control and returns the cost and trajectory.
func ControlObjective(ctx context.Context, s *Simulator, init Initial, control []float64, o Objective) (Cost, *Trajectory, error) {
	if err := o.check(s.m); err != nil {
		return Cost{}, nil, err
	}
	tr, err := s.Run(ctx, init, control)
	if err != nil {
		return Cost{}, nil, err
	}
	return o.Eval(tr, s.l), tr, nil
}
