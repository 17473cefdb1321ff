package wdno

import (
	"context"
	"testing"
)

// The smoke adjoint optimum starts from the dataset's control and only descends, so its re-simulated J
// is at most the dataset control's in every case, and lower where the gradient is not zero; its
// control covers the modelled frames in the dataset's order (otherwise the re-simulation would not
// reproduce the optimiser's J).
func TestSmokeAdjointOptimumImprovesOnTheDatasetControl(t *testing.T) {
	d := openData(t, writeSmoke(t, t.TempDir(), "test.arrow", tinySmokeParams(), 3, 2))
	rep, err := Evaluate(context.Background(), d, []Method{SmokeAdjointOptimum(d, 10), ZeroControl(), DatasetControl()},
		EvalOptions{Task: Control, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	js := map[string][]float64{}
	for _, r := range rep.Results {
		if r.Error != "" {
			t.Fatalf("%s case %d: %s", r.Method, r.Case, r.Error)
		}
		js[r.Method] = append(js[r.Method], r.J)
	}
	for i, j := range js["adjoint-from-dataset"] {
		t.Logf("case %d: J adjoint %.4f, zero %.4f, dataset %.4f", i, j, js["zero-control"][i], js["dataset-control"][i])
		if !(j < js["dataset-control"][i]-1e-3) {
			t.Errorf("case %d: adjoint optimum J %v, dataset control %v", i, j, js["dataset-control"][i])
		}
	}
}
