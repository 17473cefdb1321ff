package burgers

import (
	"errors"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/pde"
)

func TestWDNOPresetsAreValidAndAsDocumented(t *testing.T) {
	for _, c := range []struct {
		name                       string
		p                          Params
		cells, fine, frames, steps int
		dt, d                      float64
	}{
		{"wdno", WDNOParams(), 120, 1935, 80, 7680, 1.0 / 76800, 0.4880},
		{"wdno-small", WDNOSmallParams(), 60, 243, 40, 480, 1.0 / 2400, 0.2481},
	} {
		if err := c.p.Validate(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if c.p.Nu != 0.01 || c.p.T != 8 || c.p.Cells != c.cells || c.p.FinePoints() != c.fine || c.p.Frames != c.frames || c.p.Steps() != c.steps {
			t.Errorf("%s: %+v (%d fine points, %d steps)", c.name, c.p, c.p.FinePoints(), c.p.Steps())
		}
		if math.Abs(c.p.Dt()-c.dt) > 1e-15*c.dt {
			t.Errorf("%s: dt = %v, want %v", c.name, c.p.Dt(), c.dt)
		}
		if d := c.p.Nu * c.p.Dt() / (c.p.Dx() * c.p.Dx()); math.Abs(d-c.d) > 1e-4 {
			t.Errorf("%s: d = %.5f, documented %.4f", c.name, d, c.d)
		}
		got, err := PresetParams(c.name)
		if err != nil || got != c.p {
			t.Errorf("PresetParams(%q) = %+v, %v", c.name, got, err)
		}
	}
	if p, err := PresetParams("default"); err != nil || p != DefaultParams() {
		t.Errorf("PresetParams(default) = %+v, %v", p, err)
	}
	if _, err := PresetParams("wdno-large"); !errors.Is(err, pde.ErrInvalidParams) {
		t.Errorf("unknown preset: %v", err)
	}
}
