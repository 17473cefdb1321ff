package diffusion

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// PushforwardMoments returns the exact mean and covariance (row-major d x d) of the distribution that a
// deterministic plan produces from the process's marginal at the plan's first time, when the data is a single
// Gaussian. Its denoiser is affine in x and every solver step is linear, so the sampling map is affine,
// x_end = A x_start + b; running it on the mean and on mean + the columns of a square root of the start
// covariance yields b + A m and A S A^T with no sampling error.
func (g *GaussianMixture) PushforwardMoments(ctx context.Context, plan *Plan, p Process) ([]float64, []float64, error) {
	if len(g.Weights) != 1 {
		return nil, nil, fmt.Errorf("diffusion: pushforward moments need a single Gaussian, target has %d components", len(g.Weights))
	}
	for _, op := range plan.Ops {
		if op.Kind == OpNoise {
			return nil, nil, fmt.Errorf("diffusion: %s is stochastic; its sampling map is not deterministic", plan.Solver)
		}
	}
	d := g.dim
	t0 := plan.Times[0]
	a, s := p.Alpha(t0), p.Sigma(t0)
	// Start covariance a^2 C + s^2 I = Q diag(a^2 l + s^2) Q^T; its symmetric square root has columns
	// Q diag(sqrt(a^2 l + s^2)) Q^T e_k.
	q, l, mu := g.eigvec[0], g.eigval[0], g.Means[0]
	x := make([]float64, (d+1)*d)
	for k := 0; k <= d; k++ {
		for i := 0; i < d; i++ {
			v := a * mu[i]
			if k > 0 {
				for j := 0; j < d; j++ {
					v += q[i*d+j] * math.Sqrt(a*a*l[j]+s*s) * q[(k-1)*d+j]
				}
			}
			x[k*d+i] = v
		}
	}
	if err := Sample(ctx, plan, g.Denoiser(p), x, RunOptions{}); err != nil {
		return nil, nil, err
	}
	mean := append([]float64(nil), x[:d]...)
	cov := make([]float64, d*d)
	for k := 1; k <= d; k++ {
		for i := 0; i < d; i++ {
			di := x[k*d+i] - mean[i]
			for j := 0; j < d; j++ {
				cov[i*d+j] += di * (x[k*d+j] - mean[j])
			}
		}
	}
	return mean, cov, nil
}

// FrechetDistance is the squared 2-Wasserstein (Frechet) distance between N(m1, c1) and N(m2, c2) (Dowson &
// Landau 1982), the quantity FID evaluates on network features:
// ||m1 - m2||^2 + tr(c1 + c2 - 2 (c2^(1/2) c1 c2^(1/2))^(1/2)). Covariances are row-major d x d.
func FrechetDistance(m1, c1, m2, c2 []float64) float64 {
	d := len(m1)
	sym := func(c []float64) *mat.SymDense {
		s := mat.NewSymDense(d, nil)
		for i := 0; i < d; i++ {
			for j := 0; j <= i; j++ {
				s.SetSym(i, j, 0.5*(c[i*d+j]+c[j*d+i]))
			}
		}
		return s
	}
	r2 := sqrtPSD(sym(c2))
	var t1, t2 mat.Dense
	t1.Mul(r2, sym(c1))
	t2.Mul(&t1, r2)
	mid := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			mid[i*d+j] = t2.At(i, j)
		}
	}
	rm := sqrtPSD(sym(mid))
	out := 0.0
	for i := 0; i < d; i++ {
		out += (m1[i]-m2[i])*(m1[i]-m2[i]) + c1[i*d+i] + c2[i*d+i] - 2*rm.At(i, i)
	}
	return out
}

// sqrtPSD is the symmetric square root of a positive semi-definite matrix.
func sqrtPSD(a *mat.SymDense) *mat.Dense {
	var e mat.EigenSym
	e.Factorize(a, true)
	v := e.Values(nil)
	var q mat.Dense
	e.VectorsTo(&q)
	d := mat.NewDiagDense(len(v), nil)
	for i, x := range v {
		d.SetDiag(i, math.Sqrt(math.Max(x, 0)))
	}
	var t, r mat.Dense
	t.Mul(&q, d)
	r.Mul(&t, q.T())
	return &r
}
