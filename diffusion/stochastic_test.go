package diffusion

import (
	"context"
	"math"
	"testing"
)

// Stochastic samplers draw from the data distribution: on 20k samples of the 2-D mixture, the sample mean,
// covariance and component weights agree with the mixture's within sampling error. The weights are checked as
// the mean posterior responsibility E[p(k | x)], which equals w_k under the true distribution.
func TestStochasticSamplersReproduceMixture(t *testing.T) {
	if testing.Short() {
		t.Skip("20k-sample moment test")
	}
	r := loadRef(t)
	g := refMixture(t, r)
	const n = 20000
	mean, cov := g.Mean(), g.Covariance()
	cases := []struct {
		name  string
		p     Process
		sch   Schedule
		s     Solver
		steps int
	}{
		{"ddpm/vp-linear", NewVPLinear(), UniformT{}, DDIM{Eta: 1, name: "ddpm"}, 250},
		{"ddpm/vp-discrete-1000", mustDiscrete(t), UniformT{}, DDIM{Eta: 1, name: "ddpm"}, 1000},
		{"ddim-eta0.5/edm", NewEDM(), Karras{Rho: 7}, DDIM{Eta: 0.5}, 200},
		{"euler-maruyama/edm", NewEDM(), Karras{Rho: 7}, EulerMaruyama{}, 1000},
		{"euler-maruyama/vp-linear", NewVPLinear(), UniformT{}, EulerMaruyama{}, 1000},
		{"dpmpp-2m-sde/edm", NewEDM(), Karras{Rho: 7}, DPMSolverPPSDE{Eta: 1}, 100},
		{"dpmpp-2m-sde/flow", NewFlow(), UniformT{}, DPMSolverPPSDE{Eta: 1}, 100},
		{"heun-churn/edm", NewEDM(), Karras{Rho: 7}, Heun{SChurn: 40, STMin: 0.05, STMax: 50, SNoise: 1}, 64},
	}
	for _, c := range cases {
		times, err := c.sch.Times(c.p, c.steps)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := c.s.Plan(c.p, times)
		if err != nil {
			t.Fatal(err)
		}
		// Initial noise from the process's marginal at TMax (its prior), drawn with Philox too.
		x := make([]float64, n*2)
		NewPhilox(99).FillNormal(x, 7, 0)
		a, s := c.p.Alpha(times[0]), c.p.Sigma(times[0])
		if a > 0 {
			// Exact marginal: alpha x0 + sigma eps, x0 from the mixture.
			x0 := g.Sample(newRand(1), n)
			for i := range x {
				x[i] = a*x0[i] + s*x[i]
			}
		} else {
			for i := range x {
				x[i] *= s
			}
		}
		if err := Sample(context.Background(), plan, g.Denoiser(c.p), x, RunOptions{Seed: 42}); err != nil {
			t.Fatal(err)
		}
		m := make([]float64, 2)
		for i := 0; i < n; i++ {
			m[0] += x[2*i] / n
			m[1] += x[2*i+1] / n
		}
		cv := make([]float64, 4)
		for i := 0; i < n; i++ {
			d0, d1 := x[2*i]-m[0], x[2*i+1]-m[1]
			cv[0] += d0 * d0 / n
			cv[1] += d0 * d1 / n
			cv[3] += d1 * d1 / n
		}
		cv[2] = cv[1]
		post := g.Posterior(NewEDM(), x, 0)
		wk := make([]float64, 3)
		for i := 0; i < n; i++ {
			for k := 0; k < 3; k++ {
				wk[k] += post[i*3+k] / n
			}
		}
		ok := true
		for i := 0; i < 2; i++ {
			se := math.Sqrt(cov[i*2+i] / n)
			if math.Abs(m[i]-mean[i]) > 5*se {
				ok = false
			}
		}
		for i := 0; i < 2; i++ {
			for j := 0; j < 2; j++ {
				se := math.Sqrt((cov[i*2+i]*cov[j*2+j] + cov[i*2+j]*cov[i*2+j]) / n)
				if math.Abs(cv[i*2+j]-cov[i*2+j]) > 5*se {
					ok = false
				}
			}
		}
		for k := 0; k < 3; k++ {
			se := math.Sqrt(g.Weights[k] * (1 - g.Weights[k]) / n)
			if math.Abs(wk[k]-g.Weights[k]) > 5*se {
				ok = false
			}
		}
		t.Logf("%-26s mean %.4f (want %.4f) cov %.4f (want %.4f) weights %.4f (want %.4f)", c.name, m, mean, cv, cov, wk, g.Weights)
		if !ok {
			t.Errorf("%s: moments off by more than 5 standard errors", c.name)
		}
	}
}

func mustDiscrete(t *testing.T) *VPDiscrete {
	p, err := NewVPDiscrete(1000, 1e-4, 0.02)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
