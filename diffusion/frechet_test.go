package diffusion

import (
	"context"
	"math"
	"testing"
)

// Frechet distance of Gaussians against closed forms: commuting covariances reduce to
// ||dm||^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
func TestFrechetDistance(t *testing.T) {
	m1, m2 := []float64{0, 1}, []float64{1, 1}
	c1 := []float64{4, 0, 0, 1}
	c2 := []float64{1, 0, 0, 9}
	want := 1 + (2-1)*(2-1) + (1-3)*(1-3)
	if got := FrechetDistance(m1, c1, m2, c2); math.Abs(got-float64(want)) > 1e-12 {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := FrechetDistance(m1, c1, m1, c1); math.Abs(got) > 1e-12 {
		t.Errorf("distance to itself %v", got)
	}
}

// The exact PF-ODE maps the marginal at TMax onto the data: a fine solver's pushforward converges to the data
// moments, and the Frechet distance decreases with the steps.
func TestPushforwardMomentsConverge(t *testing.T) {
	g := testGaussian(t)
	p := &EDM{SigmaMin: 1e-4, SigmaMax: 80}
	prev := math.Inf(1)
	for _, n := range []int{10, 40, 160} {
		times, _ := Karras{Rho: 7}.Times(p, n)
		plan, _ := DPMSolverPP{Order: 2}.Plan(p, times)
		m, c, err := g.PushforwardMoments(context.Background(), plan, p)
		if err != nil {
			t.Fatal(err)
		}
		d := 3
		cov := make([]float64, d*d)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				cov[i*d+j] = g.Covariances[0][i][j]
			}
		}
		fd := FrechetDistance(m, c, g.Means[0], cov)
		if !(fd < prev) {
			t.Errorf("%d steps: Frechet distance %v did not decrease from %v", n, fd, prev)
		}
		prev = fd
	}
	if prev > 1e-5 {
		t.Errorf("160 steps of 2M: Frechet distance %v", prev)
	}
	plan, _ := DDIM{Eta: 1}.Plan(p, []float64{80, 1, 0})
	if _, _, err := g.PushforwardMoments(context.Background(), plan, p); err == nil {
		t.Error("stochastic plan: want an error")
	}
}
