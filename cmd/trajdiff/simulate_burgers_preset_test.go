package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSimulateBurgersPresetSetsWDNOParamsAndFlagsOverrideIt checks that --preset wdno-small writes
// WDNO's reduced 41 x 60 layout (dt = 1/2400), that an explicit flag overrides only its own value, and
// that --preset wdno carries the reference refinement and steps.
func TestSimulateBurgersPresetSetsWDNOParamsAndFlagsOverrideIt(t *testing.T) {
	dir := t.TempDir()
	run := func(name string, args ...string) map[string]any {
		t.Helper()
		p := filepath.Join(dir, name)
		all := append([]string{"simulate", "burgers", "--n", "2", "--seed", "3", "--quiet", "--workers", "2", "--out", p}, args...)
		code, out, errs := runCLI(all...)
		if code != 0 || !strings.Contains(out, "burgers trajectories") {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errs)
		}
		states, controls, md := readFields(t, p)
		frames, cells := int(md.Generator.Params["frames"].(float64)), int(md.Generator.Params["cells"].(float64))
		if md.Fields.Frames != frames || md.Fields.Grid[0] != cells || len(states[0]) != frames*cells || len(controls[0]) != frames*cells {
			t.Fatalf("%v: layout %+v, params %v, %d states, %d controls", args, md.Fields, md.Generator.Params, len(states[0]), len(controls[0]))
		}
		for _, v := range controls[0][(frames-1)*cells:] {
			if v != 0 {
				t.Fatalf("%v: last control row is not zero", args)
			}
		}
		return md.Generator.Params
	}
	check := func(what string, got map[string]any, want map[string]float64) {
		t.Helper()
		for k, w := range want {
			if g, ok := got[k].(float64); !ok || g != w {
				t.Errorf("%s: %s = %v, want %v", what, k, got[k], w)
			}
		}
	}
	check("wdno-small", run("small.arrow", "--preset", "wdno-small"), map[string]float64{
		"nu": 0.01, "cells": 60, "refine": 4, "fine_points": 243, "frames": 41, "T": 8, "steps_per_frame": 480, "dt": 8.0 / (40 * 480)})
	// --frames given: only the intervals change; the preset's steps per interval stay.
	check("wdno-small --frames 4 --t 0.8", run("small4.arrow", "--preset", "wdno-small", "--frames", "4", "--t", "0.8"), map[string]float64{
		"cells": 60, "refine": 4, "frames": 5, "T": 0.8, "steps_per_frame": 480, "dt": 0.8 / (4 * 480)})
	// The reference preset on a cut-down grid and horizon (its full size takes minutes).
	check("wdno --cells 8 --frames 2 --t 0.02", run("ref.arrow", "--preset", "wdno", "--cells", "8", "--frames", "2", "--t", "0.02"), map[string]float64{
		"nu": 0.01, "cells": 8, "refine": 16, "fine_points": 143, "frames": 3, "steps_per_frame": 7680})
	// An explicit diffusion number re-derives the steps from it.
	check("wdno-small --diffusion-number 0.1", run("dn.arrow", "--preset", "wdno-small", "--frames", "2", "--t", "0.4", "--diffusion-number", "0.1"),
		map[string]float64{"steps_per_frame": 1191, "refine": 4})
	for _, args := range [][]string{
		{"--preset", "wdno-huge"},
		{"--preset", "wdno-small", "--steps-per-frame", "10"},
	} {
		all := append([]string{"simulate", "burgers", "--n", "1", "--out", filepath.Join(dir, "bad.arrow")}, args...)
		if code, o, e := runCLI(all...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s\n%s", args, code, o, e)
		}
	}
}
