package wdno

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// A caller's clock for a method must start with the method: Evaluate reports done = 0 for each method before
// any of its batches, then the cases done after each batch, ending at the total.
func TestEvaluateReportsEachMethodsStartBeforeItsBatches(t *testing.T) {
	d := openData(t, writeTinyData(t, t.TempDir(), "test.arrow", 5, 3))
	var calls []string
	_, err := Evaluate(context.Background(), d, []Method{ZeroControl(), DatasetControl()}, EvalOptions{Task: Control, Batch: 2, Workers: 1,
		Progress: func(method string, done, total int) {
			calls = append(calls, fmt.Sprintf("%s %d/%d", method, done, total))
		}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"zero-control 0/5", "zero-control 2/5", "zero-control 4/5", "zero-control 5/5",
		"dataset-control 0/5", "dataset-control 2/5", "dataset-control 4/5", "dataset-control 5/5"}
	if !slices.Equal(calls, want) {
		t.Errorf("progress reports %q, want %q", calls, want)
	}
}
