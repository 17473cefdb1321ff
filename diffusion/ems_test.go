package diffusion

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On Gaussian data the estimator recovers the closed-form statistics: l = 1/(1 + v e^{2 lambda}) from the
// Jacobian diagonal, s = 0 (f does not vary over the data) and b = 2 l (1 - l) mu from the lambda-derivative.
func TestComputeEMSRecoversGaussianStatistics(t *testing.T) {
	g, exact := diagGaussian(t)
	p := NewVPLinear()
	x0 := g.Sample(newPCGRand(1), 64)
	e, err := ComputeEMS(context.Background(), g.Denoiser(p), p, x0, EMSOptions{Steps: 160, Batch: 20, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	d := g.Dim()
	l, s, b := make([]float64, d), make([]float64, d), make([]float64, d)
	for k, lam := range e.Lambda {
		exact.At(lam, l, s, b)
		for j := 0; j < d; j++ {
			if el := math.Abs(e.L[k*d+j] - l[j]); el > 1e-7 {
				t.Errorf("l at lambda %.3g, coordinate %d: %v, want %v", lam, j, e.L[k*d+j], l[j])
			}
			if e.S[k*d+j] != 0 {
				t.Errorf("s at lambda %.3g, coordinate %d: %v, want 0", lam, j, e.S[k*d+j])
			}
			if eb := math.Abs(e.B[k*d+j] - b[j]); eb > 1e-6+1e-4*math.Abs(b[j]) {
				t.Errorf("b at lambda %.3g, coordinate %d: %v, want %v", lam, j, e.B[k*d+j], b[j])
			}
		}
	}
}

// Rademacher probes estimate the same l without bias; on a diagonal Gaussian the Jacobian is diagonal, so
// every probe gives the diagonal exactly.
func TestComputeEMSProbesMatchCoordinates(t *testing.T) {
	g, _ := diagGaussian(t)
	p := NewVPLinear()
	x0 := g.Sample(newPCGRand(1), 16)
	a, err := ComputeEMS(context.Background(), g.Denoiser(p), p, x0, EMSOptions{Steps: 4, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ComputeEMS(context.Background(), g.Denoiser(p), p, x0, EMSOptions{Steps: 4, Seed: 2, Probes: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.L {
		if math.Abs(a.L[i]-b.L[i]) > 1e-8 {
			t.Fatalf("l[%d]: coordinates %v, probes %v", i, a.L[i], b.L[i])
		}
	}
}

func TestComputeEMSStopsWhenCancelled(t *testing.T) {
	g, _ := diagGaussian(t)
	p := NewVPLinear()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := ComputeEMS(ctx, g.Denoiser(p), p, g.Sample(newPCGRand(1), 8), EMSOptions{Steps: 50,
		Progress: func(done, total int) {
			if calls++; done == 3 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) || calls != 3 {
		t.Fatalf("err %v after %d progress calls, want context.Canceled after 3", err, calls)
	}
}

// Statistics saved as safetensors load back bit for bit, and are refused for another process, other
// parameters of the same process, or another data dimension.
func TestEMSFileRoundTripsAndRefusesOtherModels(t *testing.T) {
	g, _ := diagGaussian(t)
	p := NewVPLinear()
	e, err := ComputeEMS(context.Background(), g.Denoiser(p), p, g.Sample(newPCGRand(1), 8), EMSOptions{Steps: 5, Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ems.safetensors")
	if err := e.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadEMS(path, p, g.Dim())
	if err != nil {
		t.Fatal(err)
	}
	for name, pair := range map[string][2][]float64{"lambda": {e.Lambda, back.Lambda}, "l": {e.L, back.L}, "s": {e.S, back.S},
		"b": {e.B, back.B}, "alpha": {e.Alpha, back.Alpha}} {
		for i := range pair[0] {
			if pair[0][i] != pair[1][i] {
				t.Fatalf("%s[%d] = %v after loading, saved %v", name, i, pair[1][i], pair[0][i])
			}
		}
	}
	if back.Process != e.Process || back.Samples != 8 || back.Source != "test" || back.D != e.D ||
		back.ProcessParams != "&{Beta0:0.1 Beta1:20 Tmin:0.001}" {
		t.Fatalf("metadata %q %q %d %q %d after loading", back.Process, back.ProcessParams, back.Samples, back.Source, back.D)
	}
	other := NewVPLinear()
	other.Beta1 = 19
	for name, c := range map[string]struct {
		p    Process
		dim  int
		want string
	}{"process": {NewVPCosine(), g.Dim(), "computed for process vp-linear, not vp-cosine"},
		"parameters": {other, g.Dim(), "other parameters"}, "dimension": {p, g.Dim() + 1, "dimension"}} {
		if _, err := LoadEMS(path, c.p, c.dim); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, c.want)
		}
	}
}

// Calibration samples drawn from the model itself follow its distribution: on Gaussian data their mean is
// within five standard errors of the data's, and the same seed gives the same samples.
func TestModelCalibrationSamplesTheModel(t *testing.T) {
	g, st := diagGaussian(t)
	p := NewVPLinear()
	const n = 400
	x, err := ModelCalibration(context.Background(), g.Denoiser(p), p, n, 40, 64, 3)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ModelCalibration(context.Background(), g.Denoiser(p), p, n, 40, 100, 3)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(x, again); d != 0 {
		t.Errorf("batch size changed the samples by %g", d)
	}
	d := g.Dim()
	for j := 0; j < d; j++ {
		m := 0.0
		for i := 0; i < n; i++ {
			m += x[i*d+j] / n
		}
		if se := math.Sqrt(st.Var[j] / n); math.Abs(m-st.Mean[j]) > 5*se {
			t.Errorf("coordinate %d: mean %v, data mean %v (standard error %v)", j, m, st.Mean[j], se)
		}
	}
}

// On a single Gaussian the pathwise benchmark's reference is the closed-form flow to TMin, denoised: DPM-Solver-v3
// with the exact statistics then has zero error at every budget while DDIM does not.
func TestPathwiseBenchFindsV3ExactOnGaussians(t *testing.T) {
	g, st := diagGaussian(t)
	p := NewVPLinear()
	rows, _, err := PathwiseBench{Process: p, Schedule: UniformLogSNR{}, Denoiser: g.Denoiser(p), Points: 8, NFE: []int{4, 8},
		Solvers: []Solver{DDIM{}, DPMSolverV3{Stats: st, Order: 2}}, Seed: 1, Tol: 1e-11}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows[0].Error {
		if !(rows[0].Error[i] > 1e-3) || !(rows[1].Error[i] < 1e-8) {
			t.Errorf("at %d NFE: ddim %.3g, v3 %.3g; want a visible DDIM error and none for v3", rows[0].Used[i], rows[0].Error[i], rows[1].Error[i])
		}
	}
}

// Files that are not EMS safetensors, or whose tensors do not fit their header, are refused with an error.
func TestLoadEMSRefusesMalformedFiles(t *testing.T) {
	dir := t.TempDir()
	header := func(h string) []byte {
		n := make([]byte, 8)
		binary.LittleEndian.PutUint64(n, uint64(len(h)))
		return append(n, h...)
	}
	for name, raw := range map[string][]byte{
		"short":       {1, 2},
		"huge header": header("{}")[:8],
		"not json":    header("{not json"),
		"no format":   header(`{"__metadata__":{"format":"other"}}`),
		"no tensors":  header(`{"__metadata__":{"format":"trajdiff-ems","dim":"2","samples":"1"}}`),
		"bad bytes": header(`{"__metadata__":{"format":"trajdiff-ems","dim":"1","samples":"1"},` +
			`"lambda":{"dtype":"F64","shape":[2],"data_offsets":[0,64]}}`),
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadEMS(path, NewVPLinear(), 1); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
