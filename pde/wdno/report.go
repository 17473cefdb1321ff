package wdno

import (
	"errors"
	"fmt"
	"slices"
	"sort"
)

// Summarize aggregates results per method, in the given order.
func Summarize(methods []string, results []CaseResult, seconds map[string]float64) []Summary {
	out := make([]Summary, 0, len(methods))
	for _, m := range methods {
		s := Summary{Method: m, Seconds: seconds[m]}
		var js, outs []float64
		for _, r := range results {
			if r.Method != m {
				continue
			}
			s.Cases++
			if r.Error != "" {
				s.Failed++
				continue
			}
			s.MSE += r.MSE
			s.FrontMSE += r.FrontMSE
			s.J += r.J
			s.Misfit += r.Misfit
			s.Energy += r.Energy
			s.TargetMisfit += r.TargetMisfit
			s.SmokeOut += r.SmokeOut
			s.Leakage += r.Leakage
			js = append(js, r.J)
			outs = append(outs, r.SmokeOut)
		}
		if ok := float64(s.Cases - s.Failed); ok > 0 {
			s.MSE /= ok
			s.FrontMSE /= ok
			s.J /= ok
			s.Misfit /= ok
			s.Energy /= ok
			s.TargetMisfit /= ok
			s.SmokeOut /= ok
			s.Leakage /= ok
		}
		s.SmokeOutMedian = median(outs)
		s.JMedian = median(js)
		out = append(out, s)
	}
	return out
}

// median is the median of v (0 for none); it sorts v.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	if len(v)%2 == 0 {
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[len(v)/2]
}

// Merge joins reports of shards of one evaluation (same task and methods) and recomputes the summary.
func Merge(reps []*Report) (*Report, error) {
	if len(reps) == 0 {
		return nil, errors.New("wdno: nothing to merge")
	}
	out := &Report{Task: reps[0].Task, System: reps[0].System, Data: reps[0].Data, Methods: reps[0].Methods, Seconds: map[string]float64{}}
	seen := map[string]bool{}
	for i, r := range reps {
		if r.Task != out.Task || r.System != out.System || !slices.Equal(r.Methods, out.Methods) {
			return nil, fmt.Errorf("wdno: report %d is %s with methods %v, report 0 is %s with %v", i, r.Task, r.Methods, out.Task, out.Methods)
		}
		for m, sec := range r.Seconds {
			out.Seconds[m] += sec
		}
		for _, c := range r.Results {
			key := fmt.Sprint(c.Method, "/", c.Case)
			if seen[key] {
				return nil, fmt.Errorf("wdno: case %d of %s appears in two reports", c.Case, c.Method)
			}
			seen[key] = true
			out.Results = append(out.Results, c)
		}
	}
	sort.SliceStable(out.Results, func(a, b int) bool { return out.Results[a].Case < out.Results[b].Case })
	out.Summary = Summarize(out.Methods, out.Results, out.Seconds)
	return out, nil
}
