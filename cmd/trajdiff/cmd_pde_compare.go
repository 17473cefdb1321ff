package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/trajdiff/trajdiff/pde/wdno"
)

func runPDECompare(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "pde compare", "pde compare [--against adjoint-optimum,zero-control] [--out pairs.json] report.json [report2.json ...]")
	against := fs.String("against", "", "reference methods, comma-separated (default: the baselines found in the reports: zero-control, dataset-control, adjoint-optimum)")
	out := fs.String("out", "", "the pairs as JSON, written atomically")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("want one or more report files of pde evaluate on the same test cases")
	}
	reps, err := loadPDEReports(fs.Args())
	if err != nil {
		return err
	}
	var refs []string
	if *against != "" {
		for _, r := range strings.Split(*against, ",") {
			if r = strings.TrimSpace(r); r != "" {
				refs = append(refs, r)
			}
		}
	} else if refs = wdno.Baselines(reps); len(refs) == 0 {
		return usagef("the reports have no baseline (zero-control, dataset-control, adjoint-optimum): name the reference with --against")
	}
	pairs, err := wdno.Compare(reps, refs)
	if err != nil {
		return err
	}
	metric, lower := wdno.HeadlineMetric(reps[0])
	writePairs(env.stdout, pairs, metric, lower)
	return saveReport(env, *out, pairs)
}

func writePairs(w io.Writer, pairs []wdno.Paired, metric string, lower bool) {
	better := "lower"
	if !lower {
		better = "higher"
	}
	fmt.Fprintf(w, "per test case, %s (%s is better); difference = method - reference\n", metric, better)
	fmt.Fprintf(w, "%-28s %-16s %6s %7s %6s %12s %11s %12s %10s\n", "method", "against", "cases", "better", "worse", "mean diff", "std err", "median ratio", "p90 ratio")
	for _, p := range pairs {
		ratio, p90 := "-", "-"
		if p.RatioCases > 0 {
			ratio, p90 = fmt.Sprintf("%.4g", p.RatioMedian), fmt.Sprintf("%.4g", p.RatioP90)
		}
		fmt.Fprintf(w, "%-28s %-16s %6d %7d %6d %12.4e %11.4e %12s %10s\n", p.Method, p.Against, p.Cases, p.Better, p.Worse, p.MeanDiff, p.StdErr, ratio, p90)
	}
}
