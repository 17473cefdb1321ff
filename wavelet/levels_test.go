package wavelet

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// Levels above dwt_max_level. PyWavelets only warns there ("all coefficients will experience boundary
// effects") and computes, so code ported from Python relies on those exact coefficients. The reference
// records whether PyWavelets warned; these tests check that the warned cases are exactly those above
// DwtMaxLevel/DwtnMaxLevel, that they cover what matters (every mode in 1-D, 2-D and N-D, long filters,
// signals shorter than the filter, levels far above the maximum), and that they match bit for bit.

type caseChecker func(*testing.T, *refData, map[string]json.RawMessage, *agreement)

// multilevelCheckers maps each multilevel reference kind to its checker (reference_multilevel_test.go).
var multilevelCheckers = map[string]caseChecker{
	"wavedec":      checkWavedecCase,
	"wavedec2":     checkWavedec2Case,
	"wavedecn":     checkWavedecnCase,
	"wavedec_axis": checkWavedecAxisCase,
}

// levelCase is what the level tests need to know about a multilevel reference case.
type levelCase struct {
	wavelet, mode string
	level, top    int   // requested level and Go's DwtMaxLevel/DwtnMaxLevel for the case
	extents       []int // lengths of the transformed axes
	warned        bool  // PyWavelets warned that the level is too high
}

func readLevelCase(t *testing.T, r *refData, kind string, c map[string]json.RawMessage) levelCase {
	t.Helper()
	var lc levelCase
	var x refArray
	field(t, c, "wavelet", &lc.wavelet)
	field(t, c, "mode", &lc.mode)
	field(t, c, "level", &lc.level)
	field(t, c, "warned", &lc.warned)
	field(t, c, "x", &x)
	shape := r.get(t, x).Shape
	var axes []int
	switch kind {
	case "wavedec":
		axes = []int{0}
	case "wavedec_axis":
		var axis int
		field(t, c, "axis", &axis)
		axes = []int{axis}
	default:
		field(t, c, "axes", &axes)
	}
	ax, err := normAxes(axes, len(shape))
	if err != nil {
		t.Fatalf("%s %s: %v", kind, caseName(t, c), err)
	}
	for _, a := range ax {
		lc.extents = append(lc.extents, shape[a])
	}
	if lc.top, err = DwtnMaxLevel(shape, lc.wavelet, ax); err != nil {
		t.Fatalf("%s %s: %v", kind, caseName(t, c), err)
	}
	return lc
}

func TestLevelsAboveMaxMatchPyWavelets(t *testing.T) {
	r := loadReference(t)
	var agr agreement
	modes := map[int]map[string]bool{} // transformed dimensions -> modes above the maximum
	families := map[string]bool{}
	kinds := map[string]int{}
	farAbove, shorterThanFilter := 0, 0
	for _, kind := range sortedKeys(multilevelCheckers) {
		for _, c := range r.cases(kind) {
			lc := readLevelCase(t, r, kind, c)
			if lc.warned != (lc.level > lc.top) {
				t.Errorf("%s %s level %d: PyWavelets warned = %v, but DwtnMaxLevel = %d",
					kind, caseName(t, c), lc.level, lc.warned, lc.top)
			}
			if !lc.warned {
				continue
			}
			multilevelCheckers[kind](t, r, c, &agr)
			if kind == "wavedecn" {
				checkPlanCase(t, r, c, &agr)
			}
			kinds[kind]++
			nd := len(lc.extents)
			if modes[nd] == nil {
				modes[nd] = map[string]bool{}
			}
			modes[nd][lc.mode] = true
			families[lc.wavelet] = true
			if lc.level >= lc.top+3 {
				farAbove++
			}
			w, _ := NewWavelet(lc.wavelet)
			if slices.Min(lc.extents) < w.DecLen() {
				shorterThanFilter++
			}
		}
	}
	// Coverage, so that a thinned-out generator cannot make this test vacuous.
	for kind := range multilevelCheckers {
		if kinds[kind] == 0 {
			t.Errorf("no %s case above dwt_max_level in the reference", kind)
		}
	}
	for _, nd := range []int{1, 2, 3} {
		if len(modes[nd]) != len(Modes()) {
			t.Errorf("%d-D cases above dwt_max_level cover %d modes, want all %d", nd, len(modes[nd]), len(Modes()))
		}
	}
	for _, f := range []string{"haar", "coif7", "coif9", "db20", "sym20", "dmey"} {
		if !families[f] {
			t.Errorf("no case of %s above dwt_max_level", f)
		}
	}
	if farAbove == 0 || shorterThanFilter == 0 {
		t.Errorf("%d cases 3+ levels above the maximum and %d signals shorter than the filter; want some of each",
			farAbove, shorterThanFilter)
	}
	total := 0
	for _, n := range kinds {
		total += n
	}
	t.Logf("%d reference cases above dwt_max_level: %v", total, kinds)
	agr.log(t)
}

// checkPlanCase compares Plan.Forward with PyWavelets' coeffs_to_array(wavedecn(x)) and Plan.Inverse of
// that packed array with waverecn, for one "wavedecn" case: the differentiable path (waveop) must
// agree with the direct one at every level.
func checkPlanCase(t *testing.T, r *refData, c map[string]json.RawMessage, agr *agreement) {
	t.Helper()
	var w, m string
	var axes []int
	var level int
	var x, rec, packed refArray
	field(t, c, "wavelet", &w)
	field(t, c, "mode", &m)
	field(t, c, "axes", &axes)
	field(t, c, "level", &level)
	field(t, c, "x", &x)
	field(t, c, "rec", &rec)
	field(t, c, "packed", &packed)
	name := fmt.Sprintf("%s axes=%v level=%d", caseName(t, c), axes, level)
	xa := r.get(t, x)
	p, err := NewPlan[float64](xa.Shape, w, m, level, axes)
	if err != nil {
		t.Errorf("%s: NewPlan: %v", name, err)
		return
	}
	fwd, err := p.Forward(xa.Data)
	if err != nil {
		t.Errorf("%s: Plan.Forward: %v", name, err)
		return
	}
	py := r.get(t, packed)
	agr.compare(t, name+" Plan.Forward", fwd, p.PackedShape(), py)
	inv, err := p.Inverse(py.Data)
	if err != nil {
		t.Errorf("%s: Plan.Inverse: %v", name, err)
		return
	}
	agr.compare(t, name+" Plan.Inverse", inv, p.ReconstructionShape(), r.get(t, rec))
}

// Level 0 is PyWavelets' [data]: no transform, and the inverse returns the approximation itself.
func TestLevelZeroMatchesPyWavelets(t *testing.T) {
	r := loadReference(t)
	var agr agreement
	for _, kind := range []string{"wavedec", "wavedec2", "wavedecn"} {
		n := 0
		for _, c := range r.cases(kind) {
			var level int
			field(t, c, "level", &level)
			if level == 0 {
				multilevelCheckers[kind](t, r, c, &agr)
				n++
			}
		}
		if n == 0 {
			t.Errorf("no %s case at level 0 in the reference", kind)
		}
	}
	agr.log(t)
}
