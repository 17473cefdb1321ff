package main

import (
	"strings"
	"testing"
	"time"
)

// Tasks reported through one callback in turns (superres levels within each batch) each keep their own bar:
// a report for one label neither restarts nor redraws another's, so each rate is over its own elapsed time.
func TestProgressBarsKeepOneClockPerLabel(t *testing.T) {
	var out strings.Builder
	bars := newProgressBars(&out, "pde superres to ", "cases")
	bars.Update("a", 0, 4)
	started := bars.bars["a"].start
	time.Sleep(time.Millisecond)
	bars.Update("b", 0, 4)
	bars.Update("a", 2, 4)
	bars.Update("b", 4, 4)
	if got := bars.bars["a"].start; !got.Equal(started) {
		t.Errorf("label a's clock restarted at %v, started %v", got, started)
	}
	if !bars.bars["b"].start.After(started) {
		t.Error("label b's clock started with a's, not at its own first report")
	}
	for _, line := range []string{"pde superres to a: 0/4", "pde superres to b: 0/4", "pde superres to a: 2/4", "pde superres to b: 4/4"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
}
