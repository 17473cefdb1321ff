package diffusion

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestVPSigmoidMatchesTheReferenceChain compares alpha(t)^2 at t = (i+1)/T with the alphas_cumprod of the
// 1000-step chain WDNO builds from the same schedule (scripts/diffusion/vp_sigmoid_ref.py, NumPy): equal
// to rounding wherever the chain's beta clipping at 0.999 is not active, i.e. at every step but the last.
func TestVPSigmoidMatchesTheReferenceChain(t *testing.T) {
	raw, err := os.ReadFile("testdata/vp_sigmoid_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		T             int
		Index         []int
		AlphasCumprod []float64 `json:"alphas_cumprod"`
		Betas         []float64
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	p := NewVPSigmoid()
	checked := 0
	for k, i := range ref.Index {
		if ref.Betas[k] >= 0.999 {
			continue // the clipped last step
		}
		tt := float64(i+1) / float64(ref.T)
		if got := p.Alpha(tt) * p.Alpha(tt); math.Abs(got-ref.AlphasCumprod[k]) > 1e-12*ref.AlphasCumprod[k]+1e-15 {
			t.Errorf("step %d: alpha^2 %v, reference chain %v", i, got, ref.AlphasCumprod[k])
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d reference points checked", checked)
	}
}

// TestVPSigmoidKeepsPrecisionAtBothEnds checks sigma near t = 0 and alpha near t = 1 against their
// first-order expansions, which the naive differences of logistic values lose to cancellation.
func TestVPSigmoidKeepsPrecisionAtBothEnds(t *testing.T) {
	p := NewVPSigmoid()
	norm := logistic(3) - logistic(-3)
	slope := func(u float64) float64 { s := logistic(u); return s * (1 - s) * 6 / norm } // |d alpha^2 / dt|
	for _, h := range []float64{1e-7, 1e-9} {
		if s, want := p.Sigma(h), math.Sqrt(slope(-3)*h); math.Abs(s-want) > 1e-5*want {
			t.Errorf("sigma(%g) = %v, expansion %v", h, s, want)
		}
		if a, want := p.Alpha(1-h), math.Sqrt(slope(3)*h); math.Abs(a-want) > 1e-5*want {
			t.Errorf("alpha(1-%g) = %v, expansion %v", h, a, want)
		}
	}
}
