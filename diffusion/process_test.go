package diffusion

import (
	"math"
	"testing"
)

func allProcesses(t testing.TB) []Process {
	var ps []Process
	for _, n := range ProcessNames() {
		p, err := NewProcess(n)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// interior returns times strictly inside (0, TMax], avoiding the knots of vp-discrete.
func interior(p Process) []float64 {
	var ts []float64
	for _, u := range []float64{1e-4, 0.0123, 0.1017, 0.3333, 0.5071, 0.77, 0.9513, 0.99} {
		ts = append(ts, p.TMin()*0.5+u*(p.TMax()-p.TMin()*0.5))
	}
	return ts
}

func TestProcessDerivativesAndInverse(t *testing.T) {
	for _, p := range allProcesses(t) {
		for _, tt := range interior(p) {
			c := CoefficientsAt(p, tt)
			if c.Alpha <= 0 || c.Sigma <= 0 {
				t.Fatalf("%s t=%v: alpha %v sigma %v", p.Name(), tt, c.Alpha, c.Sigma)
			}
			h := 1e-6 * math.Max(tt, 1e-3)
			if p.Name() == "vp-discrete" {
				h = 1e-9 // stay inside one linear segment
			}
			da := (p.Alpha(tt+h) - p.Alpha(tt-h)) / (2 * h)
			ds := (p.Sigma(tt+h) - p.Sigma(tt-h)) / (2 * h)
			if !closeRel(c.DAlpha, da, 1e-5) || !closeRel(c.DSigma, ds, 1e-5) {
				t.Errorf("%s t=%v: derivatives (%v, %v), finite differences (%v, %v)", p.Name(), tt, c.DAlpha, c.DSigma, da, ds)
			}
			if l := math.Log(c.Alpha / c.Sigma); !closeRel(c.LogSNR, l, 1e-12) {
				t.Errorf("%s t=%v: LogSNR %v, log(alpha/sigma) %v", p.Name(), tt, c.LogSNR, l)
			}
			if back := p.TimeAtLogSNR(c.LogSNR); !closeRel(back, tt, 1e-10) {
				t.Errorf("%s: TimeAtLogSNR(LogSNR(%v)) = %v", p.Name(), tt, back)
			}
			switch p.Name() {
			case "vp-linear", "vp-discrete", "vp-cosine", "vp-sigmoid", "trig":
				if n := c.Alpha*c.Alpha + c.Sigma*c.Sigma; math.Abs(n-1) > 1e-14 {
					t.Errorf("%s t=%v: alpha^2 + sigma^2 = %v, want 1", p.Name(), tt, n)
				}
			}
		}
		// lambda is strictly decreasing.
		prev := math.Inf(1)
		for i := 1; i <= 400; i++ {
			tt := p.TMax() * float64(i) / 400
			l := p.LogSNR(tt)
			if !(l < prev) {
				t.Errorf("%s: lambda not decreasing at t=%v (%v after %v)", p.Name(), tt, l, prev)
				break
			}
			prev = l
		}
		// The data end.
		if p.Name() != "ve" && p.Name() != "edm" {
			if a, s := p.Alpha(0), p.Sigma(0); a != 1 || s != 0 {
				t.Errorf("%s: at t = 0 alpha %v sigma %v, want 1 and 0", p.Name(), a, s)
			}
		}
		if !math.IsInf(p.LogSNR(0), 1) {
			t.Errorf("%s: LogSNR(0) = %v, want +Inf", p.Name(), p.LogSNR(0))
		}
	}
}

func TestZeroTerminalSNR(t *testing.T) {
	for _, name := range []string{"flow", "trig"} {
		p, _ := NewProcess(name)
		if a := p.Alpha(1); a != 0 {
			t.Errorf("%s: alpha(1) = %v, want exactly 0", name, a)
		}
		if l := p.LogSNR(1); !math.IsInf(l, -1) {
			t.Errorf("%s: LogSNR(1) = %v, want -Inf", name, l)
		}
		if tt := p.TimeAtLogSNR(math.Inf(-1)); tt != 1 {
			t.Errorf("%s: TimeAtLogSNR(-Inf) = %v, want 1", name, tt)
		}
	}
}

func TestVPLinearIsLimitOfDiscrete(t *testing.T) {
	c := NewVPLinear()
	d, _ := NewVPDiscrete(1000, 1e-4, 0.02)
	for _, tt := range []float64{0.01, 0.25, 0.5, 0.9} {
		// Continuous-time limit: sum log(1 - beta_i) vs integral of beta(s) ds; differ by O(beta^2) per step.
		if a, b := c.Alpha(tt), d.Alpha(tt); math.Abs(a-b) > 2e-3 {
			t.Errorf("t=%v: continuous alpha %v vs discrete %v", tt, a, b)
		}
	}
}

func TestNewProcessUnknown(t *testing.T) {
	if _, err := NewProcess("vp-quadratic"); err == nil {
		t.Fatal("want an error for an unknown process")
	}
	if _, err := NewVPDiscreteBetas([]float64{0.1, 1.2}); err == nil {
		t.Fatal("want an error for beta >= 1")
	}
}
