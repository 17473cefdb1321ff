package geometry

import (
	"math"
	"strings"
	"testing"
)

// simulator wraps a system as a function of (positions, velocities) -> (frame positions, frame
// velocities[, forces]) for CheckEquivariance.
func simulator(sys System, p Params, r Run) func(in [][]float64) ([][]float64, error) {
	return func(in [][]float64) ([][]float64, error) {
		tr, err := sys.Simulate(State{X: in[0], V: in[1]}, p, r)
		if err != nil {
			return nil, err
		}
		out := [][]float64{tr.X, tr.V, tr.Energy}
		if tr.Forces != nil {
			out = append(out, tr.Forces)
		}
		return out, nil
	}
}

// TestSimulatorEquivariance checks that rotating, reflecting and translating the initial state
// rotates, reflects and translates the whole trajectory (velocities and forces only rotate, energies
// are invariant), over the published 3000 steps (30 frames). Exact in exact arithmetic; in floating
// point the rounding differences grow with each system's sensitivity (observed: springs ~5e-15,
// charged ~3e-13, gravity ~4e-12), hence the per-system tolerances.
// States are drawn from the published samplers, keeping ones where the clip (not rotation
// equivariant) stays inactive and the initial box reflection (not equivariant either) does nothing.
func TestSimulatorEquivariance(t *testing.T) {
	cases := []struct {
		sys   System
		run   Run
		tol   float64
		trial int
	}{
		{NewSprings(5), DefaultRun(), 1e-12, 3},
		{NewCharged(5), DefaultRun(), 1e-10, 3},
		{NewGravity(10), DefaultRun(), 1e-9, 3},
	}
	for _, c := range cases {
		found := 0
		for idx := 0; found < c.trial && idx < 200; idx++ {
			s, p := c.sys.Sample(StreamRNG(11, "equivariance/"+c.sys.Name(), uint64(idx)))
			inside := true
			for _, x := range s.X {
				inside = inside && math.Abs(x) < 2.5
			}
			tr, err := c.sys.Simulate(s, p, c.run)
			if err != nil {
				t.Fatal(err)
			}
			if !inside || tr.Clipped != 0 {
				continue
			}
			found++
			kinds := []Covariance{Points, Vectors, Invariant}
			if tr.Forces != nil {
				kinds = append(kinds, Vectors)
			}
			worst, err := CheckEquivariance(simulator(c.sys, p, c.run), [][]float64{s.X, s.V}, []Covariance{Points, Vectors}, kinds,
				EquivarianceOptions{Trials: 4, Seed: uint64(idx), Reflections: true, TranslationScale: 0.5, Tol: c.tol})
			if err != nil {
				t.Errorf("%s sample %d: %v", c.sys.Name(), idx, err)
			}
			t.Logf("%s sample %d: worst relative deviation %.2e", c.sys.Name(), idx, worst)
		}
		if found < c.trial {
			t.Errorf("%s: found only %d unclipped samples", c.sys.Name(), found)
		}
	}
}

// TestCheckEquivarianceDetectsViolations feeds the helper functions that are not equivariant: the
// published component-wise clip in a close encounter, and a function with a preferred axis.
func TestCheckEquivarianceDetectsViolations(t *testing.T) {
	c := NewCharged(3)
	p := Params{Charges: []float64{1, -1, 1}}
	x := []float64{0.03, 0.01, 0, -0.03, 0, 0.01, 1, 0.5, 0}
	v := make([]float64, 9)
	r := Run{Steps: 200, SampleFreq: 100}
	_, err := CheckEquivariance(simulator(c, p, r), [][]float64{x, v}, []Covariance{Points, Vectors},
		[]Covariance{Points, Vectors, Invariant}, EquivarianceOptions{Trials: 4, Seed: 1})
	if err == nil || !strings.Contains(err.Error(), "relative error") {
		t.Errorf("clipped encounter passed as equivariant: %v", err)
	}
	axis := func(in [][]float64) ([][]float64, error) {
		out := append([]float64(nil), in[0]...)
		for i := 0; i < len(out); i += 3 {
			out[i+2] = 0 // projection onto the xy-plane
		}
		return [][]float64{out}, nil
	}
	if _, err := CheckEquivariance(axis, [][]float64{x}, []Covariance{Points}, []Covariance{Points}, EquivarianceOptions{}); err == nil {
		t.Error("projection onto a fixed plane passed as equivariant")
	}
	// A translation-invariant but not translation-covariant output declared as points fails.
	diff := func(in [][]float64) ([][]float64, error) {
		return [][]float64{{in[0][0] - in[0][3], in[0][1] - in[0][4], in[0][2] - in[0][5]}}, nil
	}
	if _, err := CheckEquivariance(diff, [][]float64{x}, []Covariance{Points}, []Covariance{Points}, EquivarianceOptions{TranslationScale: 1}); err == nil {
		t.Error("a displacement declared as a point passed a translated check")
	}
	if _, err := CheckEquivariance(diff, [][]float64{x}, []Covariance{Points}, []Covariance{Vectors}, EquivarianceOptions{TranslationScale: 1, Reflections: true}); err != nil {
		t.Errorf("a displacement is a vector: %v", err)
	}
	if _, err := CheckEquivariance(diff, [][]float64{x[:4]}, []Covariance{Points}, []Covariance{Vectors}, EquivarianceOptions{}); err == nil {
		t.Error("input of 4 values accepted as 3-vectors")
	}
}
