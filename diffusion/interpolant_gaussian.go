package diffusion

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// InterpolantField is what a sampler of an Interpolant needs at (t, x): the velocity
// b(t, x) = E[alpha' x0 + beta' x1 + gamma' z | x_t = x] and, for the SDE, the latent denoiser
// eta(t, x) = E[z | x_t = x]. Both are learned by regression (InterpolantExample) or known in closed form
// (GaussianCoupling). x holds a batch of points of Dim() values each, row-major; eta may be nil when only b
// is needed.
type InterpolantField interface {
	Dim() int
	Fields(b, eta, x []float64, t float64) error
}

// GaussianCoupling is a jointly Gaussian pair (x0, x1) in R^d: means M0, M1 and the blocks S0 = Cov(x0),
// S1 = Cov(x1), C01 = Cov(x0, x1) of its covariance, d x d row-major (C01 nil: independent). Under any
// interpolant x_t is Gaussian with
//
//	mu_t    = alpha m0 + beta m1
//	Sigma_t = alpha^2 S0 + beta^2 S1 + alpha beta (C01 + C01^T) + gamma^2 I
//
// and the conditional expectations are affine in x, so the exact fields are
//
//	b(t, x)   = alpha' m0 + beta' m1 + K_t Sigma_t^{-1} (x - mu_t),
//	K_t       = alpha' (alpha S0 + beta C01) + beta' (alpha C01^T + beta S1) + gamma gamma' I,
//	eta(t, x) = gamma Sigma_t^{-1} (x - mu_t).
//
// It is the closed-form reference the interpolant samplers and training targets are tested against: the ODE
// and the SDEs map x0's law onto x1's. A forecast is the same object conditioned on the present state x_c:
// x0 = x_c + s0 zeta (S0 = s0^2 I, a point mass when s0 = 0), x1 ~ N(E[x1 | x_c], Cov(x1 | x_c)), C01 = 0.
type GaussianCoupling struct {
	M0, M1      []float64
	S0, S1, C01 []float64
}

func (g *GaussianCoupling) dim() int { return len(g.M0) }

// Validate checks the shapes and that the joint covariance [[S0, C01], [C01^T, S1]] is symmetric positive
// semi-definite (to a relative 1e-10).
func (g *GaussianCoupling) Validate() error {
	d := len(g.M0)
	if d == 0 || len(g.M1) != d {
		return fmt.Errorf("diffusion: Gaussian coupling means of lengths %d and %d", d, len(g.M1))
	}
	if len(g.S0) != d*d || len(g.S1) != d*d || (g.C01 != nil && len(g.C01) != d*d) {
		return fmt.Errorf("diffusion: Gaussian coupling covariances must be %d x %d", d, d)
	}
	scale := 0.0
	for i := range d * d {
		for _, v := range []float64{g.S0[i], g.S1[i], g.c01(i/d, i%d)} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("diffusion: Gaussian coupling covariance holds %v", v)
			}
			scale = math.Max(scale, math.Abs(v))
		}
	}
	for i := range d {
		for j := range d {
			if math.Abs(g.S0[i*d+j]-g.S0[j*d+i]) > 1e-12*(1+scale) || math.Abs(g.S1[i*d+j]-g.S1[j*d+i]) > 1e-12*(1+scale) {
				return fmt.Errorf("diffusion: Gaussian coupling covariance is not symmetric at (%d, %d)", i, j)
			}
		}
	}
	joint := mat.NewSymDense(2*d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			joint.SetSym(i, j, g.S0[i*d+j])
			joint.SetSym(d+i, d+j, g.S1[i*d+j])
		}
		for j := range d {
			joint.SetSym(i, d+j, g.c01(i, j))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(joint, false) {
		return fmt.Errorf("diffusion: Gaussian coupling covariance: eigendecomposition failed")
	}
	for _, v := range eig.Values(nil) {
		if v < -1e-10*(1+scale) {
			return fmt.Errorf("diffusion: Gaussian coupling covariance is not positive semi-definite (eigenvalue %.3g)", v)
		}
	}
	for _, v := range append(append([]float64{}, g.M0...), g.M1...) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("diffusion: Gaussian coupling mean holds %v", v)
		}
	}
	return nil
}

func (g *GaussianCoupling) c01(i, j int) float64 {
	if g.C01 == nil {
		return 0
	}
	return g.C01[i*len(g.M0)+j]
}

// Field returns the exact fields of the coupling under the interpolant p. The coupling must stay unchanged
// while the field is used.
func (g *GaussianCoupling) Field(p Interpolant) (InterpolantField, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return &gaussianField{g: g, p: p}, nil
}

type gaussianField struct {
	g *GaussianCoupling
	p Interpolant
}

func (f *gaussianField) Dim() int { return f.g.dim() }

// moments returns mu_t, the Cholesky factor of Sigma_t and K_t.
func (f *gaussianField) moments(t float64) (mu []float64, chol *mat.Cholesky, k *mat.Dense, c InterpolantCoeffs, err error) {
	g, d := f.g, f.g.dim()
	c = f.p.At(t)
	mu = make([]float64, d)
	sigma := mat.NewSymDense(d, nil)
	k = mat.NewDense(d, d, nil)
	for i := range d {
		mu[i] = c.Alpha*g.M0[i] + c.Beta*g.M1[i]
		for j := range d {
			s0, s1, c01, c10 := g.S0[i*d+j], g.S1[i*d+j], g.c01(i, j), g.c01(j, i)
			if j >= i {
				v := c.Alpha*c.Alpha*s0 + c.Beta*c.Beta*s1 + c.Alpha*c.Beta*(c01+c10)
				if i == j {
					v += c.Gamma * c.Gamma
				}
				sigma.SetSym(i, j, v)
			}
			kv := c.DAlpha*(c.Alpha*s0+c.Beta*c01) + c.DBeta*(c.Alpha*c10+c.Beta*s1)
			if i == j {
				kv += c.GammaDGamma
			}
			k.Set(i, j, kv)
		}
	}
	chol = new(mat.Cholesky)
	if !chol.Factorize(sigma) {
		return nil, nil, nil, c, fmt.Errorf("diffusion: the interpolant's covariance at t = %g is singular (a point mass x0 needs latent noise or t > 0)", t)
	}
	return mu, chol, k, c, nil
}

func (f *gaussianField) Fields(b, eta, x []float64, t float64) error {
	d := f.g.dim()
	if len(x)%d != 0 || len(b) != len(x) || (eta != nil && len(eta) != len(x)) {
		return fmt.Errorf("diffusion: Gaussian field buffers of lengths %d, %d for dimension %d", len(x), len(b), d)
	}
	mu, chol, k, c, err := f.moments(t)
	if err != nil {
		return err
	}
	r := mat.NewVecDense(d, nil)
	w := mat.NewVecDense(d, nil)
	kw := mat.NewVecDense(d, nil)
	for row := 0; row < len(x); row += d {
		for i := range d {
			r.SetVec(i, x[row+i]-mu[i])
		}
		if err := chol.SolveVecTo(w, r); err != nil {
			return fmt.Errorf("diffusion: Gaussian field at t = %g: %w", t, err)
		}
		kw.MulVec(k, w)
		for i := range d {
			b[row+i] = c.DAlpha*f.g.M0[i] + c.DBeta*f.g.M1[i] + kw.AtVec(i)
			if eta != nil {
				eta[row+i] = c.Gamma * w.AtVec(i)
			}
		}
	}
	return nil
}
