package gpu

import (
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// The kernel's arithmetic (double, transcribed) reproduces diffusion's float64 mixture denoiser up to the
// float32 rounding of its output (one ulp at magnitude max(|D|, 1)), at every noise level including sigma = 0,
// under every process.
func TestKernelMixtureMatchesCPUDenoiser(t *testing.T) {
	g := checkMixture(t)
	tab, err := newMixtureTables(g)
	if err != nil {
		t.Fatal(err)
	}
	if tab.k != 4 || tab.d != 64 || len(tab.q) != 4*64*64 || len(tab.logw) != 4 {
		t.Fatalf("tables: k %d d %d, %d eigenvector entries, %d weights", tab.k, tab.d, len(tab.q), len(tab.logw))
	}
	for _, pn := range diffusion.ProcessNames() {
		p, _ := diffusion.NewProcess(pn)
		for _, t0 := range []float64{p.TMax(), p.TMax() / 2, p.TMin() * 3, 0} {
			x := g.Noise(newRand(2), p, t0, 40)
			want := make([]float64, len(x))
			if err := g.Denoiser(p).Denoise(want, x, t0); err != nil {
				t.Fatal(err)
			}
			x32 := make([]float32, len(x))
			for i, v := range x {
				x32[i] = float32(v)
			}
			// The float64 denoiser at the float32 input: the kernel sees only that.
			for i := range x {
				x[i] = float64(x32[i])
			}
			if err := g.Denoiser(p).Denoise(want, x, t0); err != nil {
				t.Fatal(err)
			}
			got := make([]float32, len(x))
			if err := kernelMixture(tab, got, x32, p.Alpha(t0), p.Sigma(t0)); err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if !closeF32(got[i], want[i], 1) {
					t.Fatalf("%s t=%v: element %d is %v, the float64 denoiser %v", pn, t0, i, got[i], want[i])
				}
			}
		}
	}
}

func TestMixtureTablesSkipZeroWeights(t *testing.T) {
	g, err := diffusion.NewGaussianMixture([]float64{1, 0, 2},
		[][]float64{{0, 0}, {5, 5}, {1, -1}},
		[][][]float64{{{1, 0}, {0, 1}}, {{1, 0}, {0, 1}}, {{2, 0.5}, {0.5, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := newMixtureTables(g)
	if err != nil {
		t.Fatal(err)
	}
	if tab.k != 2 || tab.mu[2] != 1 || tab.mu[3] != -1 || math.Abs(tab.logw[1]-math.Log(2.0/3)) > 1e-15 {
		t.Fatalf("tables kept %d components, means %v, log-weights %v", tab.k, tab.mu, tab.logw)
	}
	// Q Q^T = I and Q diag(l) Q^T = C for the kept covariance.
	q, l := tab.q[4:8], tab.lam[2:4]
	c := [][]float64{{2, 0.5}, {0.5, 1}}
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			var id, cv float64
			for k := 0; k < 2; k++ {
				id += q[i*2+k] * q[j*2+k]
				cv += q[i*2+k] * l[k] * q[j*2+k]
			}
			if want := map[bool]float64{true: 1, false: 0}[i == j]; math.Abs(id-want) > 1e-14 || math.Abs(cv-c[i][j]) > 1e-14 {
				t.Fatalf("Q Q^T[%d][%d] = %v, Q L Q^T = %v, want %v", i, j, id, cv, c[i][j])
			}
			if tab.qt[4+i*2+j] != q[j*2+i] {
				t.Fatal("QT is not the transpose of Q")
			}
		}
	}
}

func TestMixturePointsPerBlock(t *testing.T) {
	for _, c := range []struct{ d, limit, pt int }{{64, 99 << 10, 16}, {2, 48 << 10, 16}, {100, 99 << 10, 16}, {200, 227 << 10, 8}, {1000, 227 << 10, 8},
		{2000, 227 << 10, 4}, {3000, 227 << 10, 0}, {1000, 48 << 10, 0}} {
		pt, smem, err := mixturePointsPerBlock(c.d, c.limit)
		if c.pt == 0 {
			if err == nil {
				t.Errorf("d %d: accepted %d points in %d bytes", c.d, pt, smem)
			}
			continue
		}
		if err != nil || pt != c.pt || smem != mixtureSmemBytes(c.d, pt) || smem > max(c.limit, mixtureSmemDefault) {
			t.Errorf("d %d limit %d: %d points, %d bytes, %v; want %d points", c.d, c.limit, pt, smem, err, c.pt)
		}
	}
}
