package geometry

import (
	"math"
	"testing"
)

// energyErrors returns max_t |E_t - E_0| / |E_0| and the drift |mean(last tenth) - mean(first tenth)| / |E_0|.
func energyErrors(e []float64) (maxErr, drift float64) {
	n := len(e)
	k := max(1, n/10)
	first, last := 0.0, 0.0
	for i := 0; i < k; i++ {
		first += e[i] / float64(k)
		last += e[n-k+i] / float64(k)
	}
	for _, x := range e {
		maxErr = math.Max(maxErr, math.Abs(x-e[0]))
	}
	return maxErr / math.Abs(e[0]), math.Abs(last-first) / math.Abs(e[0])
}

// synchronousEnergy evaluates the energy at the leapfrog's synchronous velocity
// v(t_i) = v_{i-1/2} + dt/2 F(x_i) for NRI frames (whose stored velocity is the pre-kick one).
func synchronousEnergy(sys System, tr *Trajectory, force forceFunc) []float64 {
	size := tr.Nodes * Dim
	f := make([]float64, size)
	v := make([]float64, size)
	out := make([]float64, tr.Frames)
	for k := 0; k < tr.Frames; k++ {
		x := tr.X[k*size : (k+1)*size]
		force(f, x)
		for i := range v {
			v[i] = tr.V[k*size+i] + sys.Dt()/2*f[i]
		}
		out[k] = sys.Energy(State{X: x, V: v}, tr.Params)
	}
	return out
}

// keplerPair is a bound pair of opposite charges on an ellipse with periapsis ~0.5 (the clip, which
// acts below r = 0.1, stays inactive): period ~2.5, so 10^5 steps of 0.001 are ~40 orbits.
func keplerPair() (*Charged, State, Params) {
	c := NewCharged(2)
	s := State{X: []float64{0.5, 0, 0, -0.5, 0, 0}, V: []float64{0, 0.6, 0.1, 0, -0.6, -0.1}}
	return c, s, Params{Charges: []float64{1, -1}}
}

// TestSymplecticEnergyBounded integrates 10^5 steps and checks that the energy error stays bounded
// (no secular drift, as for a symplectic map) and that the synchronous-velocity energy error is
// second order: halving dt divides it by ~4. Momentum is conserved to rounding (pair forces are
// exactly antisymmetric). The runs avoid the force clip, which is not a Hamiltonian force.
func TestSymplecticEnergyBounded(t *testing.T) {
	springs := NewSprings(5)
	ss, sp := springs.Sample(StreamRNG(3, "conservation", 0))
	for i := range sp.Couplings {
		if i/5 != i%5 {
			sp.Couplings[i] = 1 // fully connected: all modes oscillate
		}
	}
	kc, ks, kp := keplerPair()
	gravity := NewGravity(10)
	gs, gp := gravity.Sample(StreamRNG(3, "conservation", 1))
	cases := []struct {
		name        string
		sys         System
		s           State
		p           Params
		force       forceFunc // nil: the saved velocity is already synchronous (kick-drift-kick)
		maxErr, ord float64
	}{
		{"springs", springs, ss, sp, func(f, x []float64) { hooke(f, x, sp.Couplings, springs.Strength, 5) }, 1e-3, 0},
		{"charged kepler pair", kc, ks, kp, func(f, x []float64) { coulomb(f, x, kp.Charges, 1) }, 1e-2, 0},
		{"gravity", gravity, gs, gp, nil, 1e-2, 0},
	}
	for _, c := range cases {
		tr, err := c.sys.Simulate(c.s, c.p, Run{Steps: 100000, SampleFreq: 10})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Clipped != 0 {
			t.Fatalf("%s: %d clipped force components; the test needs the unclipped dynamics", c.name, tr.Clipped)
		}
		maxErr, drift := energyErrors(tr.Energy)
		t.Logf("%s: 10^5 steps, relative energy error max %.2e, drift of the mean %.2e", c.name, maxErr, drift)
		if !(maxErr < c.maxErr) || !(drift < maxErr/4+1e-12) {
			t.Errorf("%s: energy error max %.3g (limit %.0e), drift %.3g: not the bounded error of a symplectic integrator", c.name, maxErr, c.maxErr, drift)
		}
		p0 := c.sys.Momentum(State{X: tr.Initial.X, V: tr.Initial.V}, c.p)
		last := tr.Frames - 1
		size := tr.Nodes * Dim
		p1 := c.sys.Momentum(State{X: tr.X[last*size:], V: tr.V[last*size:]}, c.p)
		for k := range p0 {
			if math.Abs(p1[k]-p0[k]) > 1e-9 {
				t.Errorf("%s: momentum component %d changed from %v to %v", c.name, k, p0[k], p1[k])
			}
		}

		// Order: the same physical time (10 time units) with dt and dt/2.
		errAt := func(dt float64) float64 {
			var sys System
			switch v := c.sys.(type) {
			case *Springs:
				w := *v
				w.TimeStep = dt
				sys = &w
			case *Charged:
				w := *v
				w.TimeStep = dt
				sys = &w
			case *Gravity:
				w := *v
				w.TimeStep = dt
				sys = &w
			}
			steps := int(math.Round(10 / dt))
			tr, err := sys.Simulate(c.s, c.p, Run{Steps: steps, SampleFreq: steps / 200})
			if err != nil {
				t.Fatal(err)
			}
			e := tr.Energy
			if c.force != nil {
				e = synchronousEnergy(sys, tr, c.force)
			}
			m, _ := energyErrors(e)
			return m
		}
		e1, e2 := errAt(0.002), errAt(0.001)
		t.Logf("%s: synchronous energy error %.3e (dt 0.002) / %.3e (dt 0.001) = %.2f", c.name, e1, e2, e1/e2)
		if r := e1 / e2; !(r > 3.2 && r < 5) {
			t.Errorf("%s: energy error ratio %.3g for halved dt, want ~4 (second order)", c.name, r)
		}
	}
}

// TestClipBreaksConservation documents the published force clip: it limits each particle's total
// force per component, so in a close encounter next to a third particle the clipped pair forces no
// longer cancel and momentum changes. This is why the conservation tests avoid the clip.
func TestClipBreaksConservation(t *testing.T) {
	c := NewCharged(3)
	s := State{X: []float64{0.03, 0, 0, -0.03, 0, 0, 1, 0.5, 0}, V: make([]float64, 9)}
	p := Params{Charges: []float64{1, -1, 1}}
	tr, err := c.Simulate(s, p, Run{Steps: 20, SampleFreq: 10})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Clipped == 0 {
		t.Fatal("expected the clip to act at r = 0.06")
	}
	p0 := c.Momentum(s, p)
	p1 := c.Momentum(State{X: tr.X[len(tr.X)-9:], V: tr.V[len(tr.V)-9:]}, p)
	if d := math.Abs(p1[0] - p0[0]); d < 1e-4 {
		t.Errorf("momentum x changed by only %.3g with %d clipped components", d, tr.Clipped)
	}
}
