package wdno

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/trajdiff/trajdiff/internal/stats"
)

// Paired compares one method with a reference method case by case, on the test cases both finished.
// An aggregate alone hides how a method fails: a mean J can be carried by a few cases, and "better than
// zero control on average" says nothing about how often. The paired difference's standard error is also
// far smaller than the two means' when the cases vary more than the methods do.
type Paired struct {
	Method  string `json:"method"`
	Against string `json:"against"`
	// Metric is the task's headline: "j" for Burgers control, "smoke_out" for smoke control (higher is
	// better), "mse" for simulation.
	Metric string `json:"metric"`
	Cases  int    `json:"cases"` // cases where neither method failed
	// MeanDiff is the mean over those cases of metric(Method) - metric(Against); StdErr its standard error.
	MeanDiff float64 `json:"mean_diff"`
	StdErr   float64 `json:"stderr"`
	// Better and Worse count the cases where Method's metric is better or worse than Against's (ties neither).
	Better int `json:"better"`
	Worse  int `json:"worse"`
	// RatioMedian and RatioP90 are the median and 90th percentile of metric(Method) / metric(Against) over
	// the cases where Against's metric is positive: "how many times the optimum" against the adjoint. Only
	// for J and MSE (zero when no case qualifies or for smoke_out).
	RatioMedian float64 `json:"ratio_median,omitempty"`
	RatioP90    float64 `json:"ratio_p90,omitempty"`
	RatioCases  int     `json:"ratio_cases,omitempty"`
}

// HeadlineMetric is the per-case number Compare pairs for a report's task and system, and whether lower
// is better.
func HeadlineMetric(rep *Report) (name string, lowerIsBetter bool) {
	switch {
	case rep.Task == Simulate.String():
		return "mse", true
	case rep.System == "smoke":
		return "smoke_out", false
	default:
		return "j", true
	}
}

func (c CaseResult) metric(name string) float64 {
	switch name {
	case "mse":
		return c.MSE
	case "smoke_out":
		return c.SmokeOut
	}
	return c.J
}

// Baselines are the baseline methods of Evaluate found in reps (zero control, the dataset's control, the
// adjoint optimum, in that order): the references a comparison is usually made against.
func Baselines(reps []*Report) []string {
	var out []string
	for _, b := range []string{ZeroControlName, DatasetControlName, AdjointOptimumName} {
		for _, r := range reps {
			if slices.Contains(r.Methods, b) && !slices.Contains(out, b) {
				out = append(out, b)
			}
		}
	}
	return out
}

// Compare pairs every method of the reports with each method named in against, case by case. The reports
// are evaluations of the same test cases (one per model, say, with the baselines in one of them): they must
// share the task and system, a method may appear in one report only, and a case index must name the same
// trajectory (id) in every report. A case a method failed is left out of that method's pairs.
func Compare(reps []*Report, against []string) ([]Paired, error) {
	if len(reps) == 0 {
		return nil, errors.New("wdno: no reports to compare")
	}
	if len(against) == 0 {
		return nil, errors.New("wdno: no reference method to compare against")
	}
	first := reps[0]
	metric, lower := HeadlineMetric(first)
	var methods []string
	owner := map[string]int{}
	ids := map[int]int64{}
	byMethod := map[string]map[int]CaseResult{}
	for i, r := range reps {
		if r.Task != first.Task || r.System != first.System {
			return nil, fmt.Errorf("wdno: report %d is %s %s, report 0 is %s %s", i, r.System, r.Task, first.System, first.Task)
		}
		for _, m := range r.Methods {
			if j, ok := owner[m]; ok {
				return nil, fmt.Errorf("wdno: method %q is in reports %d and %d (merge shards with pde merge first)", m, j, i)
			}
			owner[m] = i
			methods = append(methods, m)
			byMethod[m] = map[int]CaseResult{}
		}
		for _, c := range r.Results {
			cases, ok := byMethod[c.Method]
			if !ok || owner[c.Method] != i {
				return nil, fmt.Errorf("wdno: report %d has a result of %q, which is not among its methods %v", i, c.Method, r.Methods)
			}
			if id, seen := ids[c.Case]; seen && id != c.ID {
				return nil, fmt.Errorf("wdno: case %d is trajectory %d in report %d and %d elsewhere: not the same test data", c.Case, c.ID, i, id)
			}
			ids[c.Case] = c.ID
			if _, dup := cases[c.Case]; dup {
				return nil, fmt.Errorf("wdno: case %d of %q appears twice in report %d", c.Case, c.Method, i)
			}
			cases[c.Case] = c
		}
	}
	var out []Paired
	for _, ref := range against {
		refCases, ok := byMethod[ref]
		if !ok {
			return nil, fmt.Errorf("wdno: no method %q to compare against; the reports have %v", ref, methods)
		}
		for _, m := range methods {
			if m == ref {
				continue
			}
			out = append(out, pair(m, ref, metric, lower, byMethod[m], refCases))
		}
	}
	return out, nil
}

// pair is Compare for one method and one reference.
func pair(m, ref, metric string, lower bool, mc, rc map[int]CaseResult) Paired {
	p := Paired{Method: m, Against: ref, Metric: metric}
	var diffs, ratios []float64
	for _, k := range slices.Sorted(maps.Keys(mc)) { // a fixed summation order: the same reports give the same bits
		a := mc[k]
		b, ok := rc[k]
		if !ok || a.Error != "" || b.Error != "" {
			continue
		}
		x, y := a.metric(metric), b.metric(metric)
		d := x - y
		diffs = append(diffs, d)
		switch {
		case d == 0:
		case (d < 0) == lower:
			p.Better++
		default:
			p.Worse++
		}
		if lower && y > 0 {
			ratios = append(ratios, x/y)
		}
	}
	p.Cases = len(diffs)
	if p.Cases > 0 {
		p.MeanDiff, p.StdErr = meanStdErr(diffs)
	}
	if len(ratios) > 0 {
		p.RatioCases = len(ratios)
		p.RatioMedian = stats.Quantile(ratios, 0.5)
		p.RatioP90 = stats.Quantile(ratios, 0.9)
	}
	return p
}
