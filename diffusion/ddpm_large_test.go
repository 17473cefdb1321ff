package diffusion

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// gaussianDenoiser is the exact denoiser of x0 ~ N(0, v I): E[x0 | x_t] = alpha v/(alpha^2 v + sigma^2) x_t.
type gaussianDenoiser struct {
	p   Process
	v   float64
	dim int
}

func (g gaussianDenoiser) Dim() int { return g.dim }
func (g gaussianDenoiser) Denoise(dst, x []float64, t float64) error {
	a, s := g.p.Alpha(t), g.p.Sigma(t)
	k := a * g.v / (a*a*g.v + s*s)
	for i := range x {
		dst[i] = k * x[i]
	}
	return nil
}

// reverseChainVariance is the variance of the sample after DDPM's reverse chain from x_T ~ N(0, 1) down
// the discrete steps idx (descending, then the data) of a chain with the given betas, on data N(0, v),
// written from Ho et al. (2020) Eq. 6-7 in betas and cumulative products: a step from step k to step j
// (abar_j = 1 for the data) uses beta' = 1 - abar_k/abar_j, the posterior mean
// sqrt(abar_j) beta'/(1-abar_k) x0 + sqrt(1-beta') (1-abar_j)/(1-abar_k) x_k with x0 = E[x0 | x_k], and
// the variance beta' (large) or (1-abar_j)/(1-abar_k) beta' (tilde); none on the step to the data.
func reverseChainVariance(betas []float64, idx []int, v float64, large bool) float64 {
	abar := make([]float64, len(betas))
	prod := 1.0
	for i, b := range betas {
		prod *= 1 - b
		abar[i] = prod
	}
	at := func(k int) float64 {
		if k < 0 {
			return 1
		}
		return abar[k]
	}
	variance := 1.0
	for i, k := range idx {
		j := -1
		if i+1 < len(idx) {
			j = idx[i+1]
		}
		ak, aj := at(k), at(j)
		bp := 1 - ak/aj
		g := math.Sqrt(ak) * v / (ak*v + 1 - ak) // E[x0 | x_k] = g x_k
		c0 := math.Sqrt(aj) * bp / (1 - ak)
		ct := math.Sqrt(1-bp) * (1 - aj) / (1 - ak)
		noise := bp
		if !large {
			noise = (1 - aj) / (1 - ak) * bp
		}
		if j < 0 {
			noise = 0
		}
		variance = (c0*g+ct)*(c0*g+ct)*variance + noise
	}
	return variance
}

// DDPM with sigma_t^2 = beta_t draws from the Gaussian its closed-form recurrence predicts, on the full
// chain and on a respaced one, and so does DDPM with beta-tilde (the existing "ddpm"), which checks the
// recurrence; the two variances differ by far more than the sampling error, so swapping them fails.
func TestDDPMLargeVarianceMatchesClosedFormOnGaussian(t *testing.T) {
	const n, v = 200000, 0.04
	betas := make([]float64, 20)
	for i := range betas {
		betas[i] = 0.01 + (0.3-0.01)*float64(i)/float64(len(betas)-1)
	}
	p, err := NewVPDiscreteBetas(betas)
	if err != nil {
		t.Fatal(err)
	}
	for _, levels := range [][]int{
		{19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, // every step
		{19, 14, 9, 4, 0}, // respaced
	} {
		times := make([]float64, 0, len(levels)+1)
		for _, k := range levels {
			times = append(times, p.TimeOfIndex(k))
		}
		times = append(times, 0)
		large, tilde := reverseChainVariance(betas, levels, v, true), reverseChainVariance(betas, levels, v, false)
		se := func(want float64) float64 { return want * math.Sqrt(2.0/n) } // of the mean square of n normals
		if math.Abs(large-tilde) < 20*se(large) {
			t.Fatalf("levels %v: the large (%v) and tilde (%v) variances are too close to tell apart", levels, large, tilde)
		}
		for _, c := range []struct {
			solver Solver
			want   float64
		}{{DDPMLarge{}, large}, {DDIM{Eta: 1, name: "ddpm"}, tilde}} {
			plan, err := c.solver.Plan(p, times)
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float64, n)
			NewPhilox(3).FillNormal(x, 0, 0)
			if err := Sample(context.Background(), plan, gaussianDenoiser{p: p, v: v, dim: n}, x, RunOptions{Seed: 5}); err != nil {
				t.Fatal(err)
			}
			got := 0.0
			for _, xi := range x {
				got += xi * xi / n
			}
			name := fmt.Sprintf("%s over %d levels", c.solver.Name(), len(levels))
			t.Logf("%-22s variance %.5f, closed form %.5f (data %v)", name, got, c.want, v)
			if math.Abs(got-c.want) > 5*se(c.want) {
				t.Errorf("%s: sample variance %v, closed form %v (5 standard errors %v)", name, got, c.want, 5*se(c.want))
			}
		}
	}
}
