package wdno

import (
	"math"
	"strings"
	"testing"
)

// report builds a control report of one or more methods from per-case J values (NaN: the case failed).
func report(task, system string, js map[string][]float64, methods ...string) *Report {
	r := &Report{Task: task, System: system, Methods: methods}
	for _, m := range methods {
		for k, j := range js[m] {
			c := CaseResult{Method: m, Case: k, ID: int64(100 + k), J: j, MSE: j, SmokeOut: j}
			if math.IsNaN(j) {
				c = CaseResult{Method: m, Case: k, ID: int64(100 + k), Error: "blew up"}
			}
			r.Results = append(r.Results, c)
		}
	}
	return r
}

// The numbers are worked by hand (and match numpy.quantile's default for the ratios): differences 1, -1, 6, 0
// have mean 1.5 and sample standard deviation sqrt(29/3); ratios 2, 0.5, 3, 1 have median 1.5 and 90th
// percentile 2.7.
func TestComparePairsCasesAcrossReports(t *testing.T) {
	control := Control.String()
	model := report(control, "", map[string][]float64{"wdno": {2, 1, 9, 4, 7}}, "wdno")
	base := report(control, "", map[string][]float64{"adjoint": {1, 2, 3, 4, math.NaN()}, "zero": {5, 5, 5, 5, 5}}, "zero", "adjoint")
	got, err := Compare([]*Report{model, base}, []string{"adjoint"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Method != "wdno" || got[1].Method != "zero" {
		t.Fatalf("pairs %+v, want wdno and zero against adjoint", got)
	}
	p := got[0]
	want := Paired{Method: "wdno", Against: "adjoint", Metric: "j", Cases: 4, MeanDiff: 1.5, StdErr: math.Sqrt(29.0/3) / 2,
		Better: 1, Worse: 2, RatioMedian: 1.5, RatioP90: 2.7, RatioCases: 4}
	if p.Method != want.Method || p.Metric != want.Metric || p.Cases != want.Cases || p.Better != want.Better ||
		p.Worse != want.Worse || p.RatioCases != want.RatioCases {
		t.Fatalf("got %+v, want %+v", p, want)
	}
	for _, v := range [][2]float64{{p.MeanDiff, want.MeanDiff}, {p.StdErr, want.StdErr}, {p.RatioMedian, want.RatioMedian}, {p.RatioP90, want.RatioP90}} {
		if math.Abs(v[0]-v[1]) > 1e-12 {
			t.Fatalf("got %+v, want %+v", p, want)
		}
	}
}

func TestCompareCountsHigherSmokeOutAsBetter(t *testing.T) {
	r := report(Control.String(), "smoke", map[string][]float64{"wdno": {0.9, 0.2, 0.5}, "dataset": {0.5, 0.5, 0.5}}, "wdno", "dataset")
	got, err := Compare([]*Report{r}, []string{"dataset"})
	if err != nil {
		t.Fatal(err)
	}
	if p := got[0]; p.Metric != "smoke_out" || p.Better != 1 || p.Worse != 1 || p.RatioCases != 0 || math.Abs(p.MeanDiff-0.1/3) > 1e-12 {
		t.Fatalf("got %+v, want smoke_out, one better, one worse, no ratios, mean difference 0.0333", p)
	}
	sim := report(Simulate.String(), "", map[string][]float64{"a": {1}, "b": {2}}, "a", "b")
	if got, err := Compare([]*Report{sim}, []string{"b"}); err != nil || got[0].Metric != "mse" || got[0].Better != 1 {
		t.Fatalf("simulation: %+v, %v; want MSE with a better", got, err)
	}
}

func TestCompareRefusesReportsThatDoNotPair(t *testing.T) {
	control := Control.String()
	a := report(control, "", map[string][]float64{"wdno": {1, 2}}, "wdno")
	other := report(control, "", map[string][]float64{"zero": {1, 2}}, "zero")
	other.Results[1].ID = 7
	for name, tc := range map[string]struct {
		reps    []*Report
		against []string
		want    string
	}{
		"a method twice":      {[]*Report{a, a}, []string{"wdno"}, "reports 0 and 1"},
		"another trajectory":  {[]*Report{a, other}, []string{"zero"}, "not the same test data"},
		"unknown reference":   {[]*Report{a}, []string{"adjoint"}, `no method "adjoint"`},
		"another task":        {[]*Report{a, report(Simulate.String(), "", nil, "b")}, []string{"b"}, "report 1 is"},
		"no reference at all": {[]*Report{a}, nil, "no reference"},
		"no reports":          {nil, []string{"zero"}, "no reports"},
	} {
		if _, err := Compare(tc.reps, tc.against); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", name, err, tc.want)
		}
	}
}
