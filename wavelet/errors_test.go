package wavelet

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func expectErr(t *testing.T, what string, err error, contains string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	if !strings.Contains(err.Error(), contains) {
		t.Errorf("%s: error %q does not mention %q", what, err, contains)
	}
}

func TestErrors(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	_, _, err := Dwt(x, "db39", "symmetric")
	expectErr(t, "unknown wavelet", err, "db38")
	_, _, err = Dwt(x, "morl", "symmetric")
	expectErr(t, "continuous wavelet", err, "unknown discrete wavelet")
	_, _, err = Dwt(x, "db2", "mirror")
	expectErr(t, "unknown mode", err, "unknown signal extension mode")
	_, _, err = Dwt(nil, "db2", "zero")
	expectErr(t, "empty signal", err, "empty")
	_, _, err = Dwt([]float64{1}, "db2", "reflect")
	expectErr(t, "reflect on one sample", err, "at least 2 samples")
	if _, _, err := Dwt([]float64{1}, "db2", "smooth"); err != nil {
		t.Errorf("smooth on one sample (constant): %v", err)
	}

	_, err = Wavedec(x, "db2", "symmetric", -3)
	expectErr(t, "negative level", err, "negative")
	if c, err := Wavedec(x, "db2", "symmetric", MaxLevel); err != nil || len(c) != 2 {
		t.Errorf("MaxLevel: %d arrays, %v", len(c), err)
	}
	if c, err := Wavedec(x, "db2", "symmetric", 0); err != nil || len(c) != 1 || c[0][3] != 4 {
		t.Errorf("level 0 should return the signal: %v, %v", c, err)
	}

	_, err = Idwt([]float64{1, 2, 3}, []float64{1, 2}, "db2", "symmetric")
	expectErr(t, "idwt length mismatch", err, "same length")
	_, err = Idwt(nil, nil, "db2", "symmetric")
	if !errors.Is(err, ErrNoCoefficients) {
		t.Errorf("idwt without coefficients: %v", err)
	}
	_, err = Idwt([]float64{1}, []float64{1}, "db4", "symmetric")
	expectErr(t, "idwt too short", err, "too few")

	_, err = Waverec([][]float64{{1, 2, 3}, {1}}, "haar", "symmetric")
	expectErr(t, "waverec shape mismatch", err, "approximation has 3 coefficients, detail 1")
	_, err = Waverec(nil, "haar", "symmetric")
	expectErr(t, "waverec empty", err, "empty")

	arr := &Array[float64]{Shape: []int{2, 4}, Data: x}
	_, err = Dwtn(arr, "haar", "symmetric", []int{0, -2})
	expectErr(t, "repeated axes", err, "repeat")
	_, err = Dwtn(arr, "haar", "symmetric", []int{2})
	expectErr(t, "axis out of range", err, "out of range")
	_, err = Dwtn(&Array[float64]{Shape: []int{3, 4}, Data: x}, "haar", "symmetric", nil)
	expectErr(t, "inconsistent array", err, "12 elements")
	_, err = NewArray(x, 3, 3)
	expectErr(t, "NewArray size", err, "needs 9 elements")
	_, err = NewArray(x, 0, 8)
	expectErr(t, "NewArray extent", err, "non-positive")

	bands := map[string]*Array[float64]{
		"aa": Zeros[float64](2, 2), "ad": Zeros[float64](2, 3),
	}
	_, err = Idwtn(bands, "haar", "symmetric", nil)
	expectErr(t, "band shapes", err, "equal shapes")
	_, err = Idwtn(map[string]*Array[float64]{"ax": Zeros[float64](2, 2)}, "haar", "symmetric", nil)
	expectErr(t, "band key", err, "invalid band key")
	_, err = Idwtn(map[string]*Array[float64]{"a": Zeros[float64](2, 2), "dd": Zeros[float64](2, 2)}, "haar", "symmetric", nil)
	expectErr(t, "key lengths", err, "differ in length")
	_, err = Idwtn(map[string]*Array[float64]{"aa": nil}, "haar", "symmetric", nil)
	if !errors.Is(err, ErrNoCoefficients) {
		t.Errorf("idwtn without bands: %v", err)
	}

	c, err := Wavedecn(&Array[float64]{Shape: []int{16, 16}, Data: make([]float64, 256)}, "haar", "zero", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Details[1]["da"] = Zeros[float64](3, 3)
	_, err = Waverecn(c, "haar", "zero", nil)
	expectErr(t, "waverecn mismatch", err, "level 1")
	_, err = Wavedecn(arr, "db4", "zero", -2, nil)
	expectErr(t, "wavedecn level", err, "negative")

	_, err = Swt([]float64{1, 2, 3}, "haar", 1, SwtOptions{})
	expectErr(t, "swt odd", err, "even")
	_, err = Swt(x, "haar", 4, SwtOptions{})
	expectErr(t, "swt level", err, "too high")
	_, err = Swt(x, "haar", 1, SwtOptions{StartLevel: 3})
	expectErr(t, "swt start", err, "start level")
	_, err = Iswt([]SwtLevel{{A: []float64{1, 2, 3, 4}, D: []float64{1, 2}}}, "haar", false)
	expectErr(t, "iswt lengths", err, "2 samples")

	_, err = DwtMaxLevel(100, "gaus1")
	expectErr(t, "max level of a continuous wavelet", err, "unknown")
	_, err = NewPlan[float64]([]int{8}, "haar", "zero", 1, []int{1})
	expectErr(t, "plan axes", err, "out of range")
	p, err := NewPlan[float64]([]int{8}, "haar", "zero", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Forward(make([]float64, 7))
	expectErr(t, "plan input length", err, "expected 8")
}

// Negative levels other than MaxLevel are errors everywhere, as PyWavelets raises ValueError for them.
func TestNegativeLevelsAreErrors(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	arr := &Array[float64]{Shape: []int{2, 4}, Data: x}
	for _, level := range []int{-2, -7, math.MinInt} {
		calls := map[string]error{}
		_, calls["Wavedec"] = Wavedec(x, "db2", "symmetric", level)
		_, calls["Wavedec2"] = Wavedec2(arr, "db2", "symmetric", level, nil)
		_, calls["Wavedecn"] = Wavedecn(arr, "db2", "symmetric", level, nil)
		_, calls["WavedecAxis"] = WavedecAxis(arr, "db2", "symmetric", level, 1)
		_, calls["NewPlan"] = NewPlan[float64](arr.Shape, "db2", "symmetric", level, nil)
		for fn, err := range calls {
			if err == nil || !strings.Contains(err.Error(), "negative") {
				t.Errorf("%s(level %d): error %v, want one saying the level is negative", fn, level, err)
			}
		}
	}
	// MaxLevel (-1) is PyWavelets' level=None, not a negative level.
	if _, err := Wavedec(x, "db2", "symmetric", MaxLevel); err != nil {
		t.Errorf("Wavedec(MaxLevel): %v", err)
	}
}

// An absurd level (a bad argument such as math.MaxInt) is an error, not an allocation failure; levels far
// above the useful maximum but within reason still compute.
func TestAbsurdLevelsAreErrors(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	arr := &Array[float64]{Shape: []int{2, 4}, Data: x}
	for _, level := range []int{levelLimit + 1, math.MaxInt} {
		calls := map[string]error{}
		_, calls["Wavedec"] = Wavedec(x, "db2", "symmetric", level)
		_, calls["Wavedec2"] = Wavedec2(arr, "db2", "symmetric", level, nil)
		_, calls["Wavedecn"] = Wavedecn(arr, "db2", "symmetric", level, nil)
		_, calls["WavedecAxis"] = WavedecAxis(arr, "db2", "symmetric", level, 1)
		_, calls["NewPlan"] = NewPlan[float64](arr.Shape, "db2", "symmetric", level, nil)
		for fn, err := range calls {
			if err == nil || !strings.Contains(err.Error(), "exhaust memory") {
				t.Errorf("%s(level %d): error %v, want one about the level limit", fn, level, err)
			}
		}
	}
	if c, err := Wavedec(x, "db2", "symmetric", 40); err != nil || len(c) != 41 {
		t.Errorf("Wavedec(level 40): %d bands, %v", len(c), err)
	}
}
