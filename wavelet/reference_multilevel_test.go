package wavelet

import (
	"encoding/json"
	"fmt"
	"testing"
)

// The multilevel reference tests. Each case kind has a checker, so that TestLevelsAboveMaxMatchPyWavelets
// can run the same comparisons on the cases above dwt_max_level alone.

func TestWavedecMatchesPyWavelets(t *testing.T) {
	r := loadReference(t)
	var agr agreement
	seen := map[string]map[string]bool{}
	for _, c := range r.cases("wavedec") {
		var w, m string
		field(t, c, "wavelet", &w)
		field(t, c, "mode", &m)
		if seen[w] == nil {
			seen[w] = map[string]bool{}
		}
		seen[w][m] = true
		checkWavedecCase(t, r, c, &agr)
	}
	// Coverage: every wavelet in at least two modes.
	for _, n := range Wavelist() {
		if len(seen[n]) < 2 {
			t.Errorf("reference covers %s in %d modes only", n, len(seen[n]))
		}
	}
	agr.log(t)
}

// checkWavedecCase compares Wavedec with one "wavedec" case, and Waverec of PyWavelets' coefficients
// with its reconstruction.
func checkWavedecCase(t *testing.T, r *refData, c map[string]json.RawMessage, agr *agreement) {
	t.Helper()
	var w, m string
	var level int
	var x, rec refArray
	var coeffs []refArray
	field(t, c, "wavelet", &w)
	field(t, c, "mode", &m)
	field(t, c, "level", &level)
	field(t, c, "x", &x)
	field(t, c, "coeffs", &coeffs)
	field(t, c, "rec", &rec)
	name := fmt.Sprintf("%s level=%d", caseName(t, c), level)
	got, err := Wavedec(r.get(t, x).Data, w, m, level)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if len(got) != len(coeffs) {
		t.Errorf("%s: %d coefficient arrays, PyWavelets %d", name, len(got), len(coeffs))
		return
	}
	pyCoeffs := make([][]float64, len(coeffs))
	for i, cr := range coeffs {
		want := r.get(t, cr)
		agr.compare(t, fmt.Sprintf("%s coeffs[%d]", name, i), got[i], []int{len(got[i])}, want)
		pyCoeffs[i] = want.Data
	}
	back, err := Waverec(pyCoeffs, w, m)
	if err != nil {
		t.Errorf("%s: Waverec: %v", name, err)
		return
	}
	agr.compare(t, name+" waverec", back, []int{len(back)}, r.get(t, rec))
}

func TestWavedecnMatchesPyWavelets(t *testing.T) {
	r := loadReference(t)
	var agr agreement
	for _, c := range r.cases("wavedecn") {
		checkWavedecnCase(t, r, c, &agr)
	}
	agr.log(t)
}

// checkWavedecnCase compares Wavedecn with one "wavedecn" case, and Waverecn and CoeffsToArray of
// PyWavelets' coefficients with its reconstruction and packed array.
func checkWavedecnCase(t *testing.T, r *refData, c map[string]json.RawMessage, agr *agreement) {
	t.Helper()
	var w, m string
	var axes []int
	var level int
	var x, approx, rec, packed refArray
	var details []map[string]refArray
	field(t, c, "wavelet", &w)
	field(t, c, "mode", &m)
	field(t, c, "axes", &axes)
	field(t, c, "level", &level)
	field(t, c, "x", &x)
	field(t, c, "approx", &approx)
	field(t, c, "details", &details)
	field(t, c, "rec", &rec)
	field(t, c, "packed", &packed)
	name := fmt.Sprintf("%s axes=%v level=%d", caseName(t, c), axes, level)
	got, err := Wavedecn(r.get(t, x), w, m, level, axes)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if len(got.Details) != len(details) {
		t.Errorf("%s: %d levels, PyWavelets %d", name, len(got.Details), len(details))
		return
	}
	py := &CoeffsN[float64]{Approx: r.get(t, approx), Details: make([]map[string]*Array[float64], len(details))}
	agr.compare(t, name+" approx", got.Approx.Data, got.Approx.Shape, py.Approx)
	for i, d := range details {
		py.Details[i] = map[string]*Array[float64]{}
		for _, k := range sortedKeys(d) {
			want := r.get(t, d[k])
			py.Details[i][k] = want
			g := got.Details[i][k]
			if g == nil {
				t.Errorf("%s: level %d lacks band %q", name, i, k)
				continue
			}
			agr.compare(t, fmt.Sprintf("%s details[%d][%s]", name, i, k), g.Data, g.Shape, want)
		}
	}
	back, err := Waverecn(py, w, m, axes)
	if err != nil {
		t.Errorf("%s: Waverecn: %v", name, err)
		return
	}
	agr.compare(t, name+" waverecn", back.Data, back.Shape, r.get(t, rec))
	arr, _, err := CoeffsToArray(py, axes)
	if err != nil {
		t.Errorf("%s: CoeffsToArray: %v", name, err)
		return
	}
	agr.compare(t, name+" coeffs_to_array", arr.Data, arr.Shape, r.get(t, packed))
}

func TestWavedec2MatchesPyWavelets(t *testing.T) {
	r := loadReference(t)
	var agr agreement
	for _, c := range r.cases("wavedec2") {
		checkWavedec2Case(t, r, c, &agr)
	}
	agr.log(t)
}

// checkWavedec2Case compares Wavedec2 with one "wavedec2" case, and Waverec2 of PyWavelets'
// coefficients with its reconstruction.
func checkWavedec2Case(t *testing.T, r *refData, c map[string]json.RawMessage, agr *agreement) {
	t.Helper()
	var w, m string
	var axes []int
	var level int
	var x, approx, rec refArray
	var details [][]refArray
	field(t, c, "wavelet", &w)
	field(t, c, "mode", &m)
	field(t, c, "axes", &axes)
	field(t, c, "level", &level)
	field(t, c, "x", &x)
	field(t, c, "approx", &approx)
	field(t, c, "details", &details)
	field(t, c, "rec", &rec)
	name := fmt.Sprintf("%s axes=%v level=%d", caseName(t, c), axes, level)
	got, err := Wavedec2(r.get(t, x), w, m, level, axes)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if len(got.Details) != len(details) {
		t.Errorf("%s: %d levels, PyWavelets %d", name, len(got.Details), len(details))
		return
	}
	py := &Coeffs2[float64]{Approx: r.get(t, approx), Details: make([]Detail2[float64], len(details))}
	agr.compare(t, name+" approx", got.Approx.Data, got.Approx.Shape, py.Approx)
	for i, d := range details {
		py.Details[i] = Detail2[float64]{H: r.get(t, d[0]), V: r.get(t, d[1]), D: r.get(t, d[2])}
		gd := got.Details[i]
		for j, pair := range [][2]*Array[float64]{{gd.H, py.Details[i].H}, {gd.V, py.Details[i].V}, {gd.D, py.Details[i].D}} {
			agr.compare(t, fmt.Sprintf("%s details[%d][%d]", name, i, j), pair[0].Data, pair[0].Shape, pair[1])
		}
	}
	back, err := Waverec2(py, w, m, axes)
	if err != nil {
		t.Errorf("%s: Waverec2: %v", name, err)
		return
	}
	agr.compare(t, name+" waverec2", back.Data, back.Shape, r.get(t, rec))
}

func TestWavedecAxisMatchesPyWavelets(t *testing.T) {
	r := loadReference(t)
	var agr agreement
	for _, c := range r.cases("wavedec_axis") {
		checkWavedecAxisCase(t, r, c, &agr)
	}
	agr.log(t)
}

// checkWavedecAxisCase compares WavedecAxis with one "wavedec_axis" case, and WaverecAxis of
// PyWavelets' coefficients with its reconstruction.
func checkWavedecAxisCase(t *testing.T, r *refData, c map[string]json.RawMessage, agr *agreement) {
	t.Helper()
	var w, m string
	var axis, level int
	var x, rec refArray
	var coeffs []refArray
	field(t, c, "wavelet", &w)
	field(t, c, "mode", &m)
	field(t, c, "axis", &axis)
	field(t, c, "level", &level)
	field(t, c, "x", &x)
	field(t, c, "coeffs", &coeffs)
	field(t, c, "rec", &rec)
	name := fmt.Sprintf("%s axis=%d level=%d", caseName(t, c), axis, level)
	got, err := WavedecAxis(r.get(t, x), w, m, level, axis)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if len(got) != len(coeffs) {
		t.Errorf("%s: %d arrays, PyWavelets %d", name, len(got), len(coeffs))
		return
	}
	py := make([]*Array[float64], len(coeffs))
	for i, cr := range coeffs {
		py[i] = r.get(t, cr)
		agr.compare(t, fmt.Sprintf("%s coeffs[%d]", name, i), got[i].Data, got[i].Shape, py[i])
	}
	back, err := WaverecAxis(py, w, m, axis)
	if err != nil {
		t.Errorf("%s: WaverecAxis: %v", name, err)
		return
	}
	agr.compare(t, name+" waverec", back.Data, back.Shape, r.get(t, rec))
}
