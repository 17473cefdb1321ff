package geometry

import (
	"fmt"
	"math"
)

// forceFunc writes the (unclipped) forces on every particle at positions x into dst.
type forceFunc func(dst, x []float64)

// kickDrift runs the update loop of NRI's synthetic_sim.py (used unchanged by EGNN and GeoTDM for
// the charged and spring systems), a leapfrog in kick-drift form with unit masses:
//
//	v <- v + dt clip(F(x_0))
//	for i = 1 .. T-1:  x <- x + dt v;  save (x, v) if i % sample_freq == 0;  v <- v + dt clip(F(x))
//
// The stored velocity of frame i is the one that moved the particles to x_i, half a step behind x_i
// in leapfrog terms (the first kick is a full step, which makes the map symplectic Euler started
// from (x_0, v_0)). The frames are steps sf, 2 sf, ..., T - sf: T/sf - 1 of them, the initial state
// is not one. Forces are clipped component-wise to [-maxF, maxF] as published.
func kickDrift(sys System, s State, p Params, r Run, force forceFunc, maxF float64) (*Trajectory, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	frames := kickDriftFrames(r)
	if frames < 1 {
		return nil, fmt.Errorf("geometry %s: %d steps with sample_freq %d save no frame (the initial state is not saved)", sys.Name(), r.Steps, r.SampleFreq)
	}
	n := sys.Nodes()
	x := append([]float64(nil), s.X...)
	v := append([]float64(nil), s.V...)
	dt := sys.Dt()
	t := newTrajectory(frames, n, false, State{X: x, V: v}, p)
	f := make([]float64, n*Dim)
	force(f, x)
	t.Clipped += clip(f, maxF)
	for k := range v {
		v[k] += dt * f[k]
	}
	for i := 1; i < r.Steps; i++ {
		for k := range x {
			x[k] += dt * v[k]
		}
		if i%r.SampleFreq == 0 {
			t.Step = append(t.Step, i)
			t.X = append(t.X, x...)
			t.V = append(t.V, v...)
			t.Energy = append(t.Energy, sys.Energy(State{X: x, V: v}, p))
			if len(t.Step) == frames {
				break
			}
		}
		force(f, x)
		t.Clipped += clip(f, maxF)
		for k := range v {
			v[k] += dt * f[k]
		}
	}
	return t, finite(sys.Name(), t)
}

// kickDriftFrames is T/sf - 1 (the initial state is not saved), capped at MaxFrames.
func kickDriftFrames(r Run) int {
	f := r.Steps/max(r.SampleFreq, 1) - 1
	if r.MaxFrames > 0 && r.MaxFrames < f {
		f = r.MaxFrames
	}
	return max(f, 0)
}

// kickDriftKickFrames is T/sf (the initial state is saved), capped at MaxFrames.
func kickDriftKickFrames(r Run) int {
	f := r.Steps / max(r.SampleFreq, 1)
	if r.MaxFrames > 0 && r.MaxFrames < f {
		f = r.MaxFrames
	}
	return max(f, 0)
}

// kickDriftKick is the velocity-Verlet (kick-drift-kick leapfrog) loop of GeoTDM's GravitySim:
//
//	a <- a(x_0)
//	for i = 0 .. T-1:  save (x, v, m a) if i % sample_freq == 0
//	                   v <- v + a dt/2;  x <- x + v dt;  a <- a(x);  v <- v + a dt/2
//
// It saves T/sf frames starting with the initial state; forces are not clipped.
func kickDriftKick(sys System, s State, p Params, r Run, accel forceFunc) (*Trajectory, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	frames := kickDriftKickFrames(r)
	n := sys.Nodes()
	x := append([]float64(nil), s.X...)
	v := append([]float64(nil), s.V...)
	dt := sys.Dt()
	t := newTrajectory(frames, n, true, State{X: x, V: v}, p)
	a := make([]float64, n*Dim)
	accel(a, x)
	for i := 0; i < r.Steps; i++ {
		if i%r.SampleFreq == 0 {
			t.Step = append(t.Step, i)
			t.X = append(t.X, x...)
			t.V = append(t.V, v...)
			for k := range a {
				t.Forces = append(t.Forces, a[k]*p.Masses[k/Dim])
			}
			t.Energy = append(t.Energy, sys.Energy(State{X: x, V: v}, p))
			if len(t.Step) == frames {
				break
			}
		}
		for k := range v {
			v[k] += a[k] * dt / 2
		}
		for k := range x {
			x[k] += v[k] * dt
		}
		accel(a, x)
		for k := range v {
			v[k] += a[k] * dt / 2
		}
	}
	return t, finite(sys.Name(), t)
}

// finite reports the first non-finite saved value (two particles at the same point divide by zero).
func finite(name string, t *Trajectory) error {
	for _, s := range [][]float64{t.X, t.V, t.Forces} {
		for i, x := range s {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("geometry %s: non-finite value %v at frame %d (particles collided exactly?)", name, x, i/(t.Nodes*Dim))
			}
		}
	}
	return nil
}
