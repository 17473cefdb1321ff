package gpu

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/diffusion"
)

// mixtureTables are a Gaussian mixture's parameters in the layout of the mixture_denoise_f32 kernel: for
// each component of positive weight, the eigenvectors Q (row-major d x d, columns are eigenvectors) and their
// transpose, the mean, the eigenvalues and the log-weight, all float64: the factorisation the CPU denoiser
// uses (GaussianMixture.Eigen).
type mixtureTables struct {
	d, k     int
	q, qt    []float64 // k x d x d
	mu, lam  []float64 // k x d
	logw     []float64 // k
	minEigen float64   // smallest eigenvalue over the components (sigma = 0 needs it positive)
}

func newMixtureTables(g *diffusion.GaussianMixture) (*mixtureTables, error) {
	if g == nil || len(g.Weights) == 0 {
		return nil, fmt.Errorf("gpu: empty mixture")
	}
	d := g.Dim()
	t := &mixtureTables{d: d, minEigen: math.Inf(1)}
	for c, w := range g.Weights {
		if w == 0 {
			continue
		}
		if !(w > 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("gpu: mixture weight %d is %v", c, w)
		}
		vals, q := g.Eigen(c)
		t.q = append(t.q, q...)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				t.qt = append(t.qt, q[j*d+i])
			}
		}
		for j, l := range vals {
			t.lam = append(t.lam, l)
			t.mu = append(t.mu, g.Means[c][j])
			t.minEigen = math.Min(t.minEigen, l)
		}
		t.logw = append(t.logw, math.Log(w))
		t.k++
	}
	if t.k == 0 {
		return nil, fmt.Errorf("gpu: mixture has no component of positive weight")
	}
	return t, nil
}

// Shared-memory layout of mixture_denoise_f32 (kernels/mixture.cu), in doubles: 4 pt + 33 (running maximum,
// total, weight and rescale per point; 32 warp partials and the log-determinant), then 3 pt d + 2 d (centred
// rows, projections, accumulators; variances and shrink factors).
const (
	mixturePointsPerThread = 4 // MIX_PP
	mixtureThreads         = 256
	mixturePointsMax       = 16       // with d = 64: 64 columns x 4 groups of MIX_PP points = one item per thread
	mixtureSmemDefault     = 48 << 10 // what a block gets without opting in
)

func mixtureSmemBytes(d, pt int) int { return 8 * (4*pt + 33 + 3*pt*d + 2*d) }

// mixturePointsPerBlock picks the points per block: the largest multiple of MIX_PP up to 16 whose shared memory
// fits in the default 48 KiB (d <= 61 for 16 points: 26 KiB at d = 64), else the largest that fits in limit
// (the device's opt-in maximum). It fails when not even MIX_PP points fit.
func mixturePointsPerBlock(d, limit int) (pt, smem int, err error) {
	for _, lim := range []int{mixtureSmemDefault, limit} {
		for pt = mixturePointsMax; pt >= mixturePointsPerThread; pt -= mixturePointsPerThread {
			if s := mixtureSmemBytes(d, pt); s <= lim {
				return pt, s, nil
			}
		}
	}
	return 0, 0, fmt.Errorf("gpu: mixture of dimension %d needs %d bytes of shared memory per block, the device allows %d",
		d, mixtureSmemBytes(d, mixturePointsPerThread), limit)
}
