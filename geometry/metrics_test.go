package geometry

import (
	"math"
	"testing"
)

func TestDisplacementErrors(t *testing.T) {
	s := Shape{Frames: 4, Nodes: 2, Dim: 3}
	truth := make([]float64, 24)
	for i := range truth {
		truth[i] = float64(i%7) - 2
	}
	// Node 0 is off by (3, 4, 0) t at frame t, node 1 exact: errors 5t / 0.
	pred := append([]float64(nil), truth...)
	for f := 0; f < 4; f++ {
		pred[f*6] += 3 * float64(f)
		pred[f*6+1] += 4 * float64(f)
	}
	ade, err := ADE(s, pred, truth)
	if err != nil {
		t.Fatal(err)
	}
	// (0 + 5 + 10 + 15) / 8 points.
	if math.Abs(ade-30.0/8) > 1e-15 {
		t.Errorf("ADE = %v, want %v", ade, 30.0/8)
	}
	fde, err := FDE(s, pred, truth)
	if err != nil || math.Abs(fde-7.5) > 1e-15 {
		t.Errorf("FDE = %v, %v, want 7.5", fde, err)
	}
	samples := [][]float64{pred, truth, pred}
	r, err := SampleMetrics(s, samples, truth)
	if err != nil {
		t.Fatal(err)
	}
	if r.MinADE != 0 || r.ArgMinADE != 1 || r.MinFDE != 0 || r.ArgMinFDE != 1 {
		t.Errorf("min over samples: %+v", r)
	}
	if math.Abs(r.MeanADE-2*ade/3) > 1e-15 || math.Abs(r.MeanFDE-5) > 1e-15 {
		t.Errorf("mean over samples: ADE %v FDE %v", r.MeanADE, r.MeanFDE)
	}
	if _, err := ADE(s, pred[:23], truth); err == nil {
		t.Error("short prediction accepted")
	}
	pred[3] = math.NaN()
	if _, err := FDE(s, pred, truth); err == nil {
		t.Error("NaN accepted")
	}
	if _, err := SampleMetrics(s, nil, truth); err == nil {
		t.Error("no samples accepted")
	}
}
