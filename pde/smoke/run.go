package smoke

import (
	"context"

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

// Objective is WDNO's control objective J = -smoke_out(T) + EnergyWeight mean(c^2), smoke_out being
// the fraction of the smoke that left through the target exit by the last frame and the mean running
// over every stored control value.
type Objective struct{ EnergyWeight float64 }

// Cost holds J and its parts.
type Cost struct {
	J        float64
	SmokeOut float64 // fraction through the target exit at the last frame
	Leakage  float64 // fraction through the other exits
	Energy   float64 // mean of the squared control
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
	c.J = -c.SmokeOut + o.EnergyWeight*c.Energy
	return c
}

// ControlObjective runs the true solver from init under control and returns the cost and trajectory.
func ControlObjective(ctx context.Context, s *Simulator, init Initial, control []float64, o Objective) (Cost, *Trajectory, error) {
	tr, err := s.Run(ctx, init, control)
	if err != nil {
		return Cost{}, nil, err
	}
	return o.Eval(tr, s.l), tr, nil
}
