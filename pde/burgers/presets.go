package burgers

import (
	"sort"
	"strings"

	"github.com/trajdiff/trajdiff/pde"
)

// WDNOParams returns WDNO's reference Burgers configuration in this package's grid layout: nu = 0.01,
// N = 120 stored points, refinement 16, T = 8, K = 80 control intervals of 7680 Euler steps each, so
// that dt = 8/(80*7680) = 1/76800 is exactly WDNO's step. A trajectory holds 81 x 120 states and,
// as a dataset row, 81 x 120 controls whose last row is zero (the layout WDNO's models train on).
//
// The solver grid has M = 16*121 - 1 = 1935 points, x_i = i/1936, where WDNO's generator uses 1920
// points x_i = i/1921 and subsamples them by 16 for the stored 120 (this package's stored points
// j/121 are a subset of its fine grid, which WDNO's are not). The diffusion number is
// d = nu dt/dx^2 = 0.01*1936^2/76800 = 0.4880 (WDNO's grid: 0.4805), below the FTCS limit 1/2.
// The control is held constant on each of the 80 stored intervals, whereas WDNO's generator steps its
// control through 1280 time stamps (480 Euler steps each) and stores only every 16th: re-solving a
// stored WDNO (u0, f) pair does not reproduce its trajectory, re-solving one of this package's does.
// See the package documentation, "WDNO presets".
func WDNOParams() Params {
	return Params{Nu: 0.01, Cells: 120, Refine: 16, T: 8, Frames: 80, StepsPerFrame: 7680, DiffusionNumber: 0.4}
}

// WDNOSmallParams returns the reduced WDNO configuration (the resolution of WDNO's first
// super-resolution level, 41 x 60): nu = 0.01, N = 60 stored points, refinement 4 (M = 243 solver
// points, dx = 1/244), T = 8, K = 40 intervals of 480 steps, dt = 8/(40*480) = 1/2400 and
// d = nu dt/dx^2 = 0.01*244^2/2400 = 0.2481. A trajectory holds 41 x 60 states.
func WDNOSmallParams() Params {
	return Params{Nu: 0.01, Cells: 60, Refine: 4, T: 8, Frames: 40, StepsPerFrame: 480, DiffusionNumber: 0.4}
}

// presets maps the names PresetParams accepts to their parameters.
var presets = map[string]func() Params{
	"default":    DefaultParams,
	"wdno":       WDNOParams,
	"wdno-small": WDNOSmallParams,
}

// PresetNames lists the names PresetParams accepts, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PresetParams returns the parameters of a named preset: "default" (DefaultParams), "wdno"
// (WDNOParams) or "wdno-small" (WDNOSmallParams). An unknown name is an error wrapping
// pde.ErrInvalidParams.
func PresetParams(name string) (Params, error) {
	f, ok := presets[name]
	if !ok {
		return Params{}, pde.Invalidf("burgers: unknown preset %q (want one of %s)", name, strings.Join(PresetNames(), ", "))
	}
	return f(), nil
}
