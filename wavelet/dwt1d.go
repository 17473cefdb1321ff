package wavelet

import (
	"fmt"
	"runtime"
)

// MaxLevel, passed as a level, selects the deepest useful decomposition level (PyWavelets' level=None).
const MaxLevel = -1

// Dwt is PyWavelets' pywt.dwt for a 1-D signal: one level of the discrete wavelet transform, returning
// the approximation cA and detail cD coefficients, each of length floor((N+F-1)/2) (ceil(N/2) in
// periodization mode).
func Dwt(x []float64, wavelet, mode string) (cA, cD []float64, err error) {
	w, m, err := resolve("Dwt", wavelet, mode)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSignalLen(len(x), m); err != nil {
		return nil, nil, fmt.Errorf("Dwt: %w", err)
	}
	fl := newFilters[float64](w)
	cA, cD = dwt1(topWorkspace(), x, fl, m)
	return cA, cD, nil
}

// topWorkspace is the workspace of a top-level 1-D call, which may spread a long row over GOMAXPROCS
// goroutines.
func topWorkspace() *workspace[float64] {
	return &workspace[float64]{par: runtime.GOMAXPROCS(0)}
}

func dwt1[T Float](ws *workspace[T], x []T, fl *filters[T], m Mode) (a, d []T) {
	g := newAnalysisGeom(len(x), fl.f, m)
	a, d = make([]T, g.count), make([]T, g.count)
	analyzeRow(ws, g, x, fl.anaLo, fl.anaHi, a, d)
	return a, d
}

// Idwt is PyWavelets' pywt.idwt for 1-D coefficients: one level of the inverse transform. Either band
// may be nil (treated as zeros, PyWavelets' None); both must otherwise have the same length. The output
// has 2N-F+2 samples (2N in periodization mode).
func Idwt(cA, cD []float64, wavelet, mode string) ([]float64, error) {
	w, m, err := resolve("Idwt", wavelet, mode)
	if err != nil {
		return nil, err
	}
	out, err := idwt1(topWorkspace(), cA, cD, newFilters[float64](w), m)
	if err != nil {
		return nil, fmt.Errorf("Idwt: %w", err)
	}
	return out, nil
}

func idwt1[T Float](ws *workspace[T], a, d []T, fl *filters[T], m Mode) ([]T, error) {
	if a == nil && d == nil {
		return nil, ErrNoCoefficients
	}
	n := len(a)
	if a == nil {
		n = len(d)
	}
	if a != nil && d != nil && len(a) != len(d) {
		return nil, fmt.Errorf("wavelet: coefficient arrays must have the same length, got %d and %d", len(a), len(d))
	}
	if err := checkCoeffLen(n, fl.f, m); err != nil {
		return nil, err
	}
	if a == nil {
		a = make([]T, n)
	}
	if d == nil {
		d = make([]T, n)
	}
	g := newSynthesisGeom(n, fl.f, m)
	out := make([]T, g.out)
	synthesizeRow(ws, g, a, d, &fl.syn, out)
	return out, nil
}

// Wavedec is PyWavelets' pywt.wavedec for a 1-D signal: the multilevel DWT, returning
// [cA_level, cD_level, ..., cD_1]. level may be MaxLevel (DwtMaxLevel) or any level >= 0; level 0
// returns [copy of x]. Levels above DwtMaxLevel are computed as PyWavelets computes them (it only
// warns): every coefficient then depends on the signal extension (boundary effects), and outside
// periodization mode the bands settle at dec_len-2 or dec_len-1 coefficients. Waverec inverts them.
// For the strict behaviour, compare level with DwtMaxLevel first (see its example). One-sample
// approximations in reflect and antireflect modes, where PyWavelets loops forever, are an error.
func Wavedec(x []float64, wavelet, mode string, level int) ([][]float64, error) {
	w, m, err := resolve("Wavedec", wavelet, mode)
	if err != nil {
		return nil, err
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("Wavedec: empty signal")
	}
	level, err = checkLevel(level, w.DwtMaxLevel(len(x)))
	if err != nil {
		return nil, fmt.Errorf("Wavedec: %w", err)
	}
	fl := newFilters[float64](w)
	ws := topWorkspace()
	out := make([][]float64, level+1)
	a := x
	for i := 0; i < level; i++ {
		if err := checkSignalLen(len(a), m); err != nil {
			return nil, fmt.Errorf("Wavedec: level %d: %w", i+1, err)
		}
		var d []float64
		a, d = dwt1(ws, a, fl, m)
		out[level-i] = d
	}
	if level == 0 {
		a = append([]float64(nil), x...)
	}
	out[0] = a
	return out, nil
}

// Waverec is PyWavelets' pywt.waverec for 1-D coefficients [cA_n, cD_n, ..., cD_1]. When a
// reconstructed approximation is one sample longer than the next detail band (odd lengths), its last
// sample is dropped, as PyWavelets does. A nil band counts as PyWavelets' None (zeros).
func Waverec(coeffs [][]float64, wavelet, mode string) ([]float64, error) {
	w, m, err := resolve("Waverec", wavelet, mode)
	if err != nil {
		return nil, err
	}
	if len(coeffs) < 1 {
		return nil, fmt.Errorf("Waverec: coefficient list is empty (need at least the approximation)")
	}
	if len(coeffs) == 1 {
		if coeffs[0] == nil {
			return nil, fmt.Errorf("Waverec: %w", ErrNoCoefficients)
		}
		return append([]float64(nil), coeffs[0]...), nil
	}
	fl := newFilters[float64](w)
	ws := topWorkspace()
	a := coeffs[0]
	for i, d := range coeffs[1:] {
		if a != nil && d != nil {
			switch {
			case len(a) == len(d)+1:
				a = a[:len(d)]
			case len(a) != len(d):
				return nil, fmt.Errorf("Waverec: level %d: approximation has %d coefficients, detail %d "+
					"(they must be equal, or the approximation one longer)", len(coeffs)-1-i, len(a), len(d))
			}
		}
		a, err = idwt1(ws, a, d, fl, m)
		if err != nil {
			return nil, fmt.Errorf("Waverec: level %d: %w", len(coeffs)-1-i, err)
		}
	}
	return a, nil
}
