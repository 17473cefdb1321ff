package d4rl

import (
	"strings"
	"testing"
)

func TestFlattenChecksShapes(t *testing.T) {
	arrs := map[string]array{
		"observations": {shape: []int{3, 2}, data: make([]float64, 6)},
		"actions":      {shape: []int{3}, data: make([]float64, 3)},
		"rewards":      {shape: []int{3}, data: []float64{1, 2, 3}},
		"terminals":    {shape: []int{3}, data: []float64{0, 0, 1}},
		"infos/goal":   {shape: []int{3, 2}, data: make([]float64, 6)},
	}
	f, err := flatten("x.h5", arrs)
	if err != nil {
		t.Fatal(err)
	}
	if f.Spec.ActionDim != 1 || len(f.Spec.Infos) != 1 || f.Timeouts != nil || !f.Terminals[2] {
		t.Fatalf("flat %+v", f)
	}
	arrs["rewards"] = array{shape: []int{4}, data: make([]float64, 4)}
	if _, err := flatten("x.h5", arrs); err == nil || !strings.Contains(err.Error(), "rewards") {
		t.Fatalf("wrong reward length: %v", err)
	}
	delete(arrs, "terminals")
	arrs["rewards"] = array{shape: []int{3}, data: make([]float64, 3)}
	if _, err := flatten("x.h5", arrs); err == nil || !strings.Contains(err.Error(), "terminals") {
		t.Fatalf("missing terminals: %v", err)
	}
}
