package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// GaussianMixture is the data distribution p(x0) = sum_k w_k N(x0; mu_k, C_k), whose denoiser is known in
// closed form under every affine process: x_t | k ~ N(alpha mu_k, alpha^2 C_k + sigma^2 I), so with
// C_k = Q diag(l) Q^T,
//
//	E[x0 | x_t, k] = mu_k + Q diag(alpha l/(alpha^2 l + sigma^2)) Q^T (x_t - alpha mu_k)
//
// and the component posteriors are softmax_k(log w_k + log N(x_t; alpha mu_k, alpha^2 C_k + sigma^2 I)).
// (Karras et al. 2024, EDM2 toy_example.py, uses the same construction to test samplers.)
type GaussianMixture struct {
	Weights     []float64     // normalised to sum 1
	Means       [][]float64   // K x d
	Covariances [][][]float64 // K x d x d
	dim         int
	eigval      [][]float64 // K x d
	eigvec      [][]float64 // K x (d*d), row-major, columns are eigenvectors
}

// NewGaussianMixture validates and factors a mixture. Weights must be non-negative with a positive sum (they
// are normalised); covariances symmetric positive semi-definite, of matching dimension.
func NewGaussianMixture(weights []float64, means [][]float64, covs [][][]float64) (*GaussianMixture, error) {
	k := len(weights)
	if k == 0 {
		return nil, fmt.Errorf("diffusion: mixture needs at least one component")
	}
	if len(means) != k || len(covs) != k {
		return nil, fmt.Errorf("diffusion: mixture has %d weights, %d means, %d covariances; want equal counts", k, len(means), len(covs))
	}
	d := len(means[0])
	if d == 0 {
		return nil, fmt.Errorf("diffusion: mixture means must have at least one dimension")
	}
	g := &GaussianMixture{dim: d, Weights: make([]float64, k)}
	total := 0.0
	for i, w := range weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("diffusion: mixture weight %d is %v, want a finite non-negative number", i, w)
		}
		total += w
	}
	if total <= 0 {
		return nil, fmt.Errorf("diffusion: mixture weights sum to %v, want a positive sum", total)
	}
	for i, w := range weights {
		g.Weights[i] = w / total
	}
	for i := 0; i < k; i++ {
		if len(means[i]) != d {
			return nil, fmt.Errorf("diffusion: mean %d has dimension %d, want %d", i, len(means[i]), d)
		}
		if err := checkFinite(fmt.Sprintf("mean %d", i), means[i]); err != nil {
			return nil, fmt.Errorf("diffusion: %w", err)
		}
		if len(covs[i]) != d {
			return nil, fmt.Errorf("diffusion: covariance %d has %d rows, want %d", i, len(covs[i]), d)
		}
		sym := mat.NewSymDense(d, nil)
		for r := 0; r < d; r++ {
			if len(covs[i][r]) != d {
				return nil, fmt.Errorf("diffusion: covariance %d row %d has %d entries, want %d", i, r, len(covs[i][r]), d)
			}
			if err := checkFinite(fmt.Sprintf("covariance %d row %d", i, r), covs[i][r]); err != nil {
				return nil, fmt.Errorf("diffusion: %w", err)
			}
			for c := 0; c < d; c++ {
				a, b := covs[i][r][c], covs[i][c][r]
				if math.Abs(a-b) > 1e-12*math.Max(1, math.Abs(a)) {
					return nil, fmt.Errorf("diffusion: covariance %d is not symmetric at (%d, %d): %v vs %v", i, r, c, a, b)
				}
				sym.SetSym(r, c, a)
			}
		}
		var eig mat.EigenSym
		if !eig.Factorize(sym, true) {
			return nil, fmt.Errorf("diffusion: eigendecomposition of covariance %d failed", i)
		}
		vals := eig.Values(nil)
		top := 0.0
		for _, v := range vals {
			top = math.Max(top, math.Abs(v))
		}
		for j, v := range vals {
			if v < -1e-10*math.Max(top, 1) {
				return nil, fmt.Errorf("diffusion: covariance %d is not positive semi-definite (eigenvalue %v)", i, v)
			}
			vals[j] = math.Max(v, 0)
		}
		var vecs mat.Dense
		eig.VectorsTo(&vecs)
		g.eigval = append(g.eigval, vals)
		g.eigvec = append(g.eigvec, append([]float64(nil), vecs.RawMatrix().Data...))
		g.Means = append(g.Means, append([]float64(nil), means[i]...))
		cp := make([][]float64, d)
		for r := range cp {
			cp[r] = append([]float64(nil), covs[i][r]...)
		}
		g.Covariances = append(g.Covariances, cp)
	}
	return g, nil
}

// Dim is the data dimension.
func (g *GaussianMixture) Dim() int { return g.dim }

// Eigen returns component k's covariance factorisation Q diag(values) Q^T as computed by NewGaussianMixture:
// the eigenvalues (round-off negatives clamped to 0) and Q row-major d x d with the eigenvectors as columns.
// The slices are copies.
func (g *GaussianMixture) Eigen(k int) (values, vectors []float64) {
	return append([]float64(nil), g.eigval[k]...), append([]float64(nil), g.eigvec[k]...)
}

// Mean returns the mixture mean sum_k w_k mu_k.
func (g *GaussianMixture) Mean() []float64 {
	m := make([]float64, g.dim)
	for k, w := range g.Weights {
		for i := range m {
			m[i] += w * g.Means[k][i]
		}
	}
	return m
}

// Covariance returns the mixture covariance sum_k w_k (C_k + mu_k mu_k^T) - m m^T, row-major d x d.
func (g *GaussianMixture) Covariance() []float64 {
	d := g.dim
	m := g.Mean()
	c := make([]float64, d*d)
	for k, w := range g.Weights {
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				c[i*d+j] += w * (g.Covariances[k][i][j] + g.Means[k][i]*g.Means[k][j])
			}
		}
	}
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			c[i*d+j] -= m[i] * m[j]
		}
	}
	return c
}

// Sample draws n points (row-major n x d) from the mixture.
func (g *GaussianMixture) Sample(rng *rand.Rand, n int) []float64 {
	d := g.dim
	out := make([]float64, n*d)
	z := make([]float64, d)
	for p := 0; p < n; p++ {
		u := rng.Float64()
		k := 0
		for acc := g.Weights[0]; u > acc && k < len(g.Weights)-1; {
			k++
			acc += g.Weights[k]
		}
		for i := range z {
			z[i] = rng.NormFloat64() * math.Sqrt(g.eigval[k][i])
		}
		row := out[p*d : (p+1)*d]
		q := g.eigvec[k]
		for i := 0; i < d; i++ {
			s := g.Means[k][i]
			for j := 0; j < d; j++ {
				s += q[i*d+j] * z[j]
			}
			row[i] = s
		}
	}
	return out
}

// Noise draws n points of the process's marginal at t: alpha(t) x0 + sigma(t) eps with x0 from the mixture.
func (g *GaussianMixture) Noise(rng *rand.Rand, p Process, t float64, n int) []float64 {
	x := g.Sample(rng, n)
	a, s := p.Alpha(t), p.Sigma(t)
	for i := range x {
		x[i] = a*x[i] + s*rng.NormFloat64()
	}
	return x
}

// Denoiser returns the exact x0-predictor of the mixture under process p. It is safe for concurrent use and
// parallel over the batch.
func (g *GaussianMixture) Denoiser(p Process) Denoiser { return &mixtureDenoiser{g: g, p: p} }

type mixtureDenoiser struct {
	g       *GaussianMixture
	p       Process
	scratch sync.Pool // *mixtureScratch: a sampler evaluates the denoiser every step, so buffers are reused
}

// mixtureScratch holds denoiseRows' working buffers for up to rows rows.
type mixtureScratch struct {
	rows              int
	centred, proj     []float64 // rows x d; centred is reused for the back-projection
	logit, top, total []float64 // rows
	v, shrink         []float64 // d
}

// getScratch returns buffers for n rows of dimension d (return them with putScratch).
func (m *mixtureDenoiser) getScratch(n, d int) *mixtureScratch {
	sc, _ := m.scratch.Get().(*mixtureScratch)
	if sc == nil || sc.rows < n {
		sc = &mixtureScratch{rows: n, centred: make([]float64, n*d), proj: make([]float64, n*d),
			logit: make([]float64, n), top: make([]float64, n), total: make([]float64, n),
			v: make([]float64, d), shrink: make([]float64, d)}
	}
	return sc
}

func (m *mixtureDenoiser) Dim() int { return m.g.dim }

func (m *mixtureDenoiser) Denoise(dst, x []float64, t float64) error {
	d := m.g.dim
	if len(x)%d != 0 || len(dst) != len(x) {
		return fmt.Errorf("diffusion: mixture denoiser: %d values for dimension %d, dst %d", len(x), d, len(dst))
	}
	a, s := m.p.Alpha(t), m.p.Sigma(t)
	if !(s > 0) {
		for k := range m.g.eigval {
			for _, l := range m.g.eigval[k] {
				if l == 0 {
					return fmt.Errorf("diffusion: mixture denoiser at sigma = 0 needs positive-definite covariances")
				}
			}
		}
	}
	n := len(x) / d
	const chunk = 128
	workers := min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk)
	if workers <= 1 {
		sc := m.getScratch(n, d)
		m.denoiseRows(dst, x, a, s, sc)
		m.scratch.Put(sc)
		return nil
	}
	var wg sync.WaitGroup
	next := make(chan int, (n+chunk-1)/chunk)
	for lo := 0; lo < n; lo += chunk {
		next <- lo
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := m.getScratch(chunk, d)
			defer m.scratch.Put(sc)
			for lo := range next {
				hi := min(lo+chunk, n)
				m.denoiseRows(dst[lo*d:hi*d], x[lo*d:hi*d], a, s, sc)
			}
		}()
	}
	wg.Wait()
	return nil
}

// denoiseRows evaluates a block of rows, accumulating the posterior-weighted component means with an online
// log-sum-exp so that no K x n x d intermediate is stored.
func (m *mixtureDenoiser) denoiseRows(dst, x []float64, a, s float64, sc *mixtureScratch) {
	g := m.g
	d := g.dim
	n := len(x) / d
	centred, proj := sc.centred[:n*d], sc.proj[:n*d]
	comp := centred // centred is not read after the first product, which is not an input of the second
	logit := sc.logit[:n]
	top := sc.top[:n]     // running maximum logit per row
	total := sc.total[:n] // running sum of exp(logit - top)
	v, shrink := sc.v, sc.shrink
	for r := range top {
		top[r] = math.Inf(-1)
		total[r] = 0
	}
	clear(dst)
	for k := range g.Weights {
		if g.Weights[k] == 0 {
			continue
		}
		mu, q, l := g.Means[k], g.eigvec[k], g.eigval[k]
		logdet := 0.0
		for i := range v {
			v[i] = a*a*l[i] + s*s
			shrink[i] = a * l[i] / v[i]
			logdet += math.Log(v[i])
		}
		for r := 0; r < n; r++ {
			for i := 0; i < d; i++ {
				centred[r*d+i] = x[r*d+i] - a*mu[i]
			}
		}
		// proj = centred Q: coordinates in the eigenbasis.
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
			blas64.General{Rows: n, Cols: d, Stride: d, Data: centred},
			blas64.General{Rows: d, Cols: d, Stride: d, Data: q}, 0,
			blas64.General{Rows: n, Cols: d, Stride: d, Data: proj})
		logw := math.Log(g.Weights[k]) - 0.5*logdet
		for r := 0; r < n; r++ {
			row := proj[r*d : (r+1)*d]
			quad := 0.0
			for i, y := range row {
				quad += y * y / v[i]
				row[i] = y * shrink[i]
			}
			logit[r] = logw - 0.5*quad
		}
		// comp = (shrunk coordinates) Q^T: the component's posterior mean minus mu.
		blas64.Gemm(blas.NoTrans, blas.Trans, 1,
			blas64.General{Rows: n, Cols: d, Stride: d, Data: proj},
			blas64.General{Rows: d, Cols: d, Stride: d, Data: q}, 0,
			blas64.General{Rows: n, Cols: d, Stride: d, Data: comp})
		for r := 0; r < n; r++ {
			out, c := dst[r*d:(r+1)*d], comp[r*d:(r+1)*d]
			w := 1.0
			if logit[r] > top[r] {
				scale := math.Exp(top[r] - logit[r]) // 0 for the first component
				for i := range out {
					out[i] *= scale
				}
				total[r] *= scale
				top[r] = logit[r]
			} else {
				w = math.Exp(logit[r] - top[r])
			}
			for i := range out {
				out[i] += w * (c[i] + mu[i])
			}
			total[r] += w
		}
	}
	for r := 0; r < n; r++ {
		inv := 1 / total[r]
		out := dst[r*d : (r+1)*d]
		for i := range out {
			out[i] *= inv
		}
	}
}

// Posterior returns the component posteriors p(k | x_t = x) for each row of x (row-major n x K) at time t.
func (g *GaussianMixture) Posterior(p Process, x []float64, t float64) []float64 {
	d, K := g.dim, len(g.Weights)
	n := len(x) / d
	a, s := p.Alpha(t), p.Sigma(t)
	out := make([]float64, n*K)
	y := make([]float64, d)
	for r := 0; r < n; r++ {
		row := x[r*d : (r+1)*d]
		top := math.Inf(-1)
		for k := 0; k < K; k++ {
			q, l, mu := g.eigvec[k], g.eigval[k], g.Means[k]
			lp := math.Log(g.Weights[k])
			for i := 0; i < d; i++ {
				y[i] = 0
				for j := 0; j < d; j++ {
					y[i] += q[j*d+i] * (row[j] - a*mu[j])
				}
				vi := a*a*l[i] + s*s
				lp -= 0.5 * (y[i]*y[i]/vi + math.Log(vi))
			}
			out[r*K+k] = lp
			top = math.Max(top, lp)
		}
		tot := 0.0
		for k := 0; k < K; k++ {
			out[r*K+k] = math.Exp(out[r*K+k] - top)
			tot += out[r*K+k]
		}
		for k := 0; k < K; k++ {
			out[r*K+k] /= tot
		}
	}
	return out
}

// FlowMap transports points x (row-major n x d) from time t0 to t1 along the exact probability-flow ODE of a
// single-component mixture (a Gaussian N(mu, C)): in the eigenbasis of C each coordinate of x - alpha mu scales
// as sqrt(alpha^2 l + sigma^2) (Karras et al. 2022, App. B; Pierret & Galerne 2025), i.e.
//
//	x(t1) = alpha_1 mu + Q diag(sqrt((alpha_1^2 l + sigma_1^2)/(alpha_0^2 l + sigma_0^2))) Q^T (x(t0) - alpha_0 mu).
//
// It holds at t1 = 0 (sigma = 0) and from zero signal (alpha_0 = 0). It fails for mixtures of several
// components, whose flow has no closed form.
func (g *GaussianMixture) FlowMap(p Process, x []float64, t0, t1 float64) ([]float64, error) {
	if len(g.Weights) != 1 {
		return nil, fmt.Errorf("diffusion: FlowMap needs a single Gaussian, mixture has %d components", len(g.Weights))
	}
	d := g.dim
	if len(x)%d != 0 {
		return nil, fmt.Errorf("diffusion: FlowMap: %d values for dimension %d", len(x), d)
	}
	a0, s0, a1, s1 := p.Alpha(t0), p.Sigma(t0), p.Alpha(t1), p.Sigma(t1)
	q, l, mu := g.eigvec[0], g.eigval[0], g.Means[0]
	ratio := make([]float64, d)
	for i := range ratio {
		ratio[i] = math.Sqrt((a1*a1*l[i] + s1*s1) / (a0*a0*l[i] + s0*s0))
	}
	out := make([]float64, len(x))
	y := make([]float64, d)
	for r := 0; r < len(x)/d; r++ {
		row := x[r*d : (r+1)*d]
		for i := 0; i < d; i++ {
			y[i] = 0
			for j := 0; j < d; j++ {
				y[i] += q[j*d+i] * (row[j] - a0*mu[j])
			}
			y[i] *= ratio[i]
		}
		for j := 0; j < d; j++ {
			v := a1 * mu[j]
			for i := 0; i < d; i++ {
				v += q[j*d+i] * y[i]
			}
			out[r*d+j] = v
		}
	}
	return out, nil
}

// RandomMixture builds a reproducible k-component mixture in dim dimensions for tests and benchmarks: weights
// in [0.5, 1.5) (normalised), means N(0, 1.5^2 I), covariances 0.3 A A^T/dim + 0.05 I with A standard normal,
// so every component is well conditioned but anisotropic.
func RandomMixture(seed uint64, dim, k int) (*GaussianMixture, error) {
	if dim < 1 || k < 1 {
		return nil, fmt.Errorf("diffusion: RandomMixture needs dim >= 1 and k >= 1, got %d and %d", dim, k)
	}
	rng := rand.New(rand.NewPCG(seed, uint64(dim)<<32|uint64(k)))
	w := make([]float64, k)
	means := make([][]float64, k)
	covs := make([][][]float64, k)
	a := make([]float64, dim*dim)
	for c := 0; c < k; c++ {
		w[c] = 0.5 + rng.Float64()
		means[c] = make([]float64, dim)
		for i := range means[c] {
			means[c][i] = 1.5 * rng.NormFloat64()
		}
		for i := range a {
			a[i] = rng.NormFloat64()
		}
		covs[c] = make([][]float64, dim)
		for i := range covs[c] {
			covs[c][i] = make([]float64, dim)
		}
		for i := 0; i < dim; i++ {
			for j := 0; j <= i; j++ {
				s := 0.0
				for l := 0; l < dim; l++ {
					s += a[i*dim+l] * a[j*dim+l]
				}
				v := 0.3 * s / float64(dim)
				if i == j {
					v += 0.05
				}
				covs[c][i][j], covs[c][j][i] = v, v
			}
		}
	}
	return NewGaussianMixture(w, means, covs)
}

func newPCGRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d)) }
