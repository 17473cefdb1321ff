package diffusion

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"
)

// refData mirrors diffusion/testdata/reference.json, written by scripts/diffusion/gen_reference.py (NumPy/SciPy).
type refData struct {
	Processes map[string][]struct {
		T, Alpha, Sigma, DAlpha, DSigma, Lambda float64
	} `json:"processes"`
	VPDiscrete struct {
		Steps         []int     `json:"steps"`
		AlphasCumprod []float64 `json:"alphas_cumprod"`
	} `json:"vp_discrete"`
	Karras []struct {
		N      int       `json:"n"`
		Sigmas []float64 `json:"sigmas"`
	} `json:"karras"`
	Spacings []struct {
		Kind  string `json:"kind"`
		N     int    `json:"n"`
		Steps []int  `json:"steps"`
	} `json:"spacings"`
	Mixture struct {
		Weights     []float64     `json:"weights"`
		Means       [][]float64   `json:"means"`
		Covariances [][][]float64 `json:"covariances"`
	} `json:"mixture"`
	Denoiser []struct {
		Process string      `json:"process"`
		T       float64     `json:"t"`
		X       [][]float64 `json:"x"`
		D       [][]float64 `json:"d"`
	} `json:"denoiser"`
	SamplersEDM map[string]json.RawMessage `json:"samplers_edm"`
	DDIMVP      struct {
		Times []float64   `json:"times"`
		XInit [][]float64 `json:"x_init"`
		Out   [][]float64 `json:"out"`
	} `json:"ddim_vp"`
}

func loadRef(t *testing.T) *refData {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var r refData
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func flat(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func closeRel(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func TestProcessesMatchReference(t *testing.T) {
	r := loadRef(t)
	for name, rows := range r.Processes {
		p, err := NewProcess(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range rows {
			got := CoefficientsAt(p, w.T)
			if !closeRel(got.Alpha, w.Alpha, 1e-13) || !closeRel(got.Sigma, w.Sigma, 1e-13) ||
				!closeRel(got.DAlpha, w.DAlpha, 1e-12) || !closeRel(got.DSigma, w.DSigma, 1e-12) ||
				!closeRel(got.LogSNR, w.Lambda, 1e-12) {
				t.Errorf("%s at t=%v: got %+v, want alpha %v sigma %v dalpha %v dsigma %v lambda %v",
					name, w.T, got, w.Alpha, w.Sigma, w.DAlpha, w.DSigma, w.Lambda)
			}
		}
	}
}

func TestVPDiscreteMatchesDDPM(t *testing.T) {
	r := loadRef(t)
	p, err := NewVPDiscrete(1000, 1e-4, 0.02)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range r.VPDiscrete.Steps {
		a := p.Alpha(p.TimeOfIndex(n))
		if !closeRel(a*a, r.VPDiscrete.AlphasCumprod[i], 1e-12) {
			t.Errorf("alphas_cumprod[%d] = %v, want %v", n, a*a, r.VPDiscrete.AlphasCumprod[i])
		}
	}
}

func TestKarrasMatchesEDM(t *testing.T) {
	r := loadRef(t)
	p := NewEDM()
	for _, c := range r.Karras {
		got, err := Karras{Rho: 7}.Times(p, c.N)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.N+1 {
			t.Fatalf("n=%d: %d times, want %d", c.N, len(got), c.N+1)
		}
		for i, s := range c.Sigmas {
			if !closeRel(got[i], s, 1e-12) {
				t.Errorf("n=%d sigma[%d] = %v, want %v", c.N, i, got[i], s)
			}
		}
	}
}

func TestDDPMSpacingsMatchDiffusers(t *testing.T) {
	r := loadRef(t)
	p, _ := NewVPDiscrete(1000, 1e-4, 0.02)
	for _, c := range r.Spacings {
		got, err := DDPMSpacing{Spacing: c.Kind, TrainSteps: 1000}.Times(p, c.N)
		if err != nil {
			t.Fatalf("%s n=%d: %v", c.Kind, c.N, err)
		}
		for i, k := range c.Steps {
			if want := p.TimeOfIndex(k); !closeRel(got[i], want, 1e-12) {
				t.Errorf("%s n=%d: level %d = t %v, want step %d (t %v)", c.Kind, c.N, i, got[i], k, want)
			}
		}
	}
}

func refMixture(t *testing.T, r *refData) *GaussianMixture {
	g, err := NewGaussianMixture(r.Mixture.Weights, r.Mixture.Means, r.Mixture.Covariances)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestMixtureDenoiserMatchesReference(t *testing.T) {
	r := loadRef(t)
	g := refMixture(t, r)
	for _, c := range r.Denoiser {
		p, _ := NewProcess(c.Process)
		x := flat(c.X)
		got := make([]float64, len(x))
		if err := g.Denoiser(p).Denoise(got, x, c.T); err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(got, flat(c.D)); d > 1e-12 {
			t.Errorf("%s t=%v: max difference %g from the NumPy posterior mean", c.Process, c.T, d)
		}
	}
}

// The deterministic samplers reproduce the published loops step for step (k-diffusion's sample_euler,
// sample_heun = EDM Algorithm 1, sample_dpmpp_2m; DDIM Eq. 12), run in NumPy on the same mixture.
func TestSamplersMatchPublishedLoops(t *testing.T) {
	r := loadRef(t)
	g := refMixture(t, r)
	var sig []float64
	var xinit [][]float64
	json.Unmarshal(r.SamplersEDM["sigmas"], &sig)
	json.Unmarshal(r.SamplersEDM["x_init"], &xinit)
	p := NewEDM()
	for _, name := range []string{"euler", "heun", "dpmpp-2m"} {
		var want [][]float64
		json.Unmarshal(r.SamplersEDM[name], &want)
		s, _ := NewSolver(name)
		plan, err := s.Plan(p, sig)
		if err != nil {
			t.Fatal(err)
		}
		x := flat(xinit)
		if err := Sample(context.Background(), plan, g.Denoiser(p), x, RunOptions{}); err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(x, flat(want)); d > 1e-11 {
			t.Errorf("%s: max difference %g from the reference loop", name, d)
		}
		if name == "heun" && plan.NFE != 2*(len(sig)-1)-1 {
			t.Errorf("heun NFE %d, want 2N-1 = %d", plan.NFE, 2*(len(sig)-1)-1)
		}
	}
	vp := NewVPLinear()
	plan, err := DDIM{}.Plan(vp, r.DDIMVP.Times)
	if err != nil {
		t.Fatal(err)
	}
	x := flat(r.DDIMVP.XInit)
	if err := Sample(context.Background(), plan, g.Denoiser(vp), x, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(x, flat(r.DDIMVP.Out)); d > 1e-11 {
		t.Errorf("ddim on vp-linear: max difference %g from the reference loop", d)
	}
}
