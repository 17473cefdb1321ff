package rl

import (
	"math"
	"testing"
)

// BenchmarkGoalReturns labels the episodes of one 100k-step chunk of each layout's recipe (Diffuser's
// re-cut) with goal-relative returns: GoalReturns, one backward pass per run of a constant goal, against
// the definition's direct sum over the rest of the episode for every step (the reference), on the same
// episodes. Reports labelled steps per second.
func BenchmarkGoalReturns(b *testing.B) {
	for _, name := range LayoutNames() {
		eps, err := SimulateChunk(DatasetConfig{Layout: name, Steps: 100000, ChunkSteps: 100000, Segments: SegmentsGoal}, 0)
		if err != nil {
			b.Fatal(err)
		}
		steps := 0
		for _, ep := range eps {
			steps += ep.Len()
		}
		b.Run(name+"/runs", func(b *testing.B) {
			for b.Loop() {
				for _, ep := range eps {
					GoalReturns(ep, GoalReturnDiscount)
				}
			}
			b.ReportMetric(float64(steps)*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
		b.Run(name+"/definition", func(b *testing.B) {
			for b.Loop() {
				for _, ep := range eps {
					goalReturnsByDefinition(ep, GoalReturnDiscount)
				}
			}
			b.ReportMetric(float64(steps)*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// goalReturnsByDefinition sums G_t term by term: O(T^2) per episode.
func goalReturnsByDefinition(ep *Episode, discount float64) []float64 {
	out := make([]float64, ep.Len())
	for t := range out {
		gx, gy, w := ep.Goals[2*t], ep.Goals[2*t+1], 1.0
		for k := t; k < ep.Len(); k++ {
			if math.Hypot(ep.Observations[4*k]-gx, ep.Observations[4*k+1]-gy) <= GoalRadius {
				out[t] += w
			}
			w *= discount
		}
	}
	return out
}
