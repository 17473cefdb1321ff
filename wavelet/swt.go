package wavelet

import (
	"fmt"
	"math"
	"slices"
)

// SwtOptions are PyWavelets' optional swt arguments.
type SwtOptions struct {
	// StartLevel skips that many levels: the first level computed uses filters dilated by 2^StartLevel.
	StartLevel int
	// Norm scales the filters by 1/√2 so that, for orthogonal wavelets, the transform preserves energy
	// (pass the same value to Iswt).
	Norm bool
}

// SwtLevel is one level of a stationary wavelet transform: approximation A and detail D, each as long
// as the signal.
type SwtLevel struct {
	A, D []float64
}

// SwtBand is one level of a batched stationary wavelet transform.
type SwtBand[T Float] struct {
	A, D *Array[T]
}

// swtCheck reproduces PyWavelets' swt argument checks for a signal of n samples. Unlike wavedec, which
// only warns above dwt_max_level, PyWavelets' swt raises ValueError above swt_max_level, so here too a
// level above it is an error.
func swtCheck(n, level, start int) (int, error) {
	maxLvl := swtMaxLevel(n)
	if level == MaxLevel {
		level = maxLvl
	}
	switch {
	case n%2 != 0:
		return 0, fmt.Errorf("wavelet: SWT needs an even number of samples, got %d", n)
	case level < 1:
		return 0, fmt.Errorf("wavelet: SWT level must be at least 1, got %d", level)
	case start < 0 || start >= maxLvl:
		return 0, fmt.Errorf("wavelet: SWT start level must be in [0, %d) for %d samples, got %d", maxLvl, n, start)
	case start+level > maxLvl:
		return 0, fmt.Errorf("wavelet: SWT level %d too high: %d samples allow %d levels after start level %d",
			level, n, maxLvl-start, start)
	}
	return level, nil
}

// Swt is PyWavelets' pywt.swt for a 1-D signal (trim_approx=False): the stationary (undecimated, à
// trous) wavelet transform, returned as [(cA_n, cD_n), ..., (cA_1, cD_1)] with level n = StartLevel +
// level deepest. The signal length must be divisible by 2^(StartLevel+level); level may be MaxLevel.
// As in PyWavelets, levels above SwtMaxLevel are an error (unlike Wavedec, which accepts them).
// SwtTrimApprox converts the result to PyWavelets' trim_approx=True layout.
func Swt(x []float64, wavelet string, level int, o SwtOptions) ([]SwtLevel, error) {
	a, err := NewArray(x, len(x))
	if err != nil {
		return nil, fmt.Errorf("Swt: %w", err)
	}
	bands, err := SwtAxis(a, wavelet, level, 0, o, WithWorkers(1))
	if err != nil {
		return nil, err
	}
	out := make([]SwtLevel, len(bands))
	for i, b := range bands {
		out[i] = SwtLevel{A: b.A.Data, D: b.D.Data}
	}
	return out, nil
}

// SwtTrimApprox returns PyWavelets' trim_approx=True layout [cA_n, cD_n, cD_n-1, ..., cD_1].
func SwtTrimApprox(levels []SwtLevel) [][]float64 {
	if len(levels) == 0 {
		return nil
	}
	out := [][]float64{levels[0].A}
	for _, l := range levels {
		out = append(out, l.D)
	}
	return out
}

// swtFilters returns the filters for SWT, rescaled by s when s != 1.
func swtFilters[T Float](w *Wavelet, s float64) *filters[T] {
	if s != 1 {
		w = w.scaled(s)
	}
	return newFilters[T](w)
}

// SwtAxis is PyWavelets' pywt.swt(data, wavelet, level, start_level, axis): the stationary wavelet
// transform of every row along one axis of a batched array.
func SwtAxis[T Float](x *Array[T], wavelet string, level, axis int, o SwtOptions, opts ...Option) ([]SwtBand[T], error) {
	w, err := NewWavelet(wavelet)
	if err != nil {
		return nil, fmt.Errorf("Swt: %w", err)
	}
	if err := x.validate("input"); err != nil {
		return nil, fmt.Errorf("Swt: %w", err)
	}
	ax, err := normAxis(axis, x.Ndim())
	if err != nil {
		return nil, fmt.Errorf("Swt: %w", err)
	}
	outer, n, inner := splitAxis(x.Shape, ax)
	level, err = swtCheck(n, level, o.StartLevel)
	if err != nil {
		return nil, fmt.Errorf("Swt: %w", err)
	}
	sf := 1.0
	if o.Norm {
		sf = 1 / math.Sqrt(2)
	}
	fl := swtFilters[T](w, sf)
	bands := make([]SwtBand[T], level)
	outs := make([][]T, 0, 2*level)
	for i := range bands {
		bands[i] = SwtBand[T]{A: newLike[T](x.Shape, ax, n), D: newLike[T](x.Shape, ax, n)}
	}
	// Level j (1-based, counted from the finest computed) is bands[level-j].
	for j := level - 1; j >= 0; j-- {
		outs = append(outs, bands[j].A.Data, bands[j].D.Data)
	}
	applyAxis(newConfig(opts), outer, inner, n, n, [][]T{x.Data}, outs, 2*level*n*fl.f,
		func(ws *workspace[T], in, out [][]T) {
			src := in[0]
			for j := 0; j < level; j++ {
				s := 1 << (o.StartLevel + j)
				swtRow(ws, src, s, fl.anaLo, fl.anaHi, out[2*j], out[2*j+1])
				src = out[2*j]
			}
		})
	return bands, nil
}

// Iswt is PyWavelets' pywt.iswt for 1-D coefficients [(cA_n, cD_n), ..., (cA_1, cD_1)]: only the
// deepest approximation and the details are used. norm must match the forward transform.
func Iswt(coeffs []SwtLevel, wavelet string, norm bool) ([]float64, error) {
	if len(coeffs) == 0 {
		return nil, fmt.Errorf("Iswt: no coefficients")
	}
	n := len(coeffs[0].A)
	bands := make([]SwtBand[float64], len(coeffs))
	for i, c := range coeffs {
		var a *Array[float64]
		if i == 0 {
			aa, err := NewArray(c.A, len(c.A))
			if err != nil {
				return nil, fmt.Errorf("Iswt: approximation: %w", err)
			}
			a = aa
		}
		d, err := NewArray(c.D, len(c.D))
		if err != nil {
			return nil, fmt.Errorf("Iswt: level %d detail: %w", len(coeffs)-i, err)
		}
		if len(c.D) != n {
			return nil, fmt.Errorf("Iswt: level %d detail has %d samples, approximation %d", len(coeffs)-i, len(c.D), n)
		}
		bands[i] = SwtBand[float64]{A: a, D: d}
	}
	out, err := IswtAxis(bands, wavelet, 0, norm, WithWorkers(1))
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}

// IswtAxis is the inverse of SwtAxis along one axis (PyWavelets' iswt, applied to every row). Only
// coeffs[0].A and the detail bands are used.
func IswtAxis[T Float](coeffs []SwtBand[T], wavelet string, axis int, norm bool, opts ...Option) (*Array[T], error) {
	w, err := NewWavelet(wavelet)
	if err != nil {
		return nil, fmt.Errorf("Iswt: %w", err)
	}
	if len(coeffs) == 0 || coeffs[0].A == nil {
		return nil, fmt.Errorf("Iswt: the deepest level needs an approximation band")
	}
	if err := coeffs[0].A.validate("approximation"); err != nil {
		return nil, fmt.Errorf("Iswt: %w", err)
	}
	shape := coeffs[0].A.Shape
	ins := [][]T{coeffs[0].A.Data}
	for i, c := range coeffs {
		if c.D == nil {
			return nil, fmt.Errorf("Iswt: level %d has no detail band", len(coeffs)-i)
		}
		if err := c.D.validate("detail"); err != nil {
			return nil, fmt.Errorf("Iswt: %w", err)
		}
		if !slices.Equal(c.D.Shape, shape) {
			return nil, fmt.Errorf("Iswt: level %d: %w", len(coeffs)-i, errShapeMismatch(c.D.Shape, shape))
		}
		ins = append(ins, c.D.Data)
	}
	ax, err := normAxis(axis, len(shape))
	if err != nil {
		return nil, fmt.Errorf("Iswt: %w", err)
	}
	outer, n, inner := splitAxis(shape, ax)
	levels := len(coeffs)
	if levels >= bitsInt || n%(1<<levels) != 0 {
		return nil, fmt.Errorf("Iswt: %d samples are not divisible by 2^%d", n, levels)
	}
	sf := 1.0
	if norm {
		sf = math.Sqrt(2)
	}
	fl := swtFilters[T](w, sf)
	out := newLike[T](shape, ax, n)
	applyAxis(newConfig(opts), outer, inner, n, n, ins, [][]T{out.Data}, 2*levels*n*fl.f,
		func(ws *workspace[T], in, o [][]T) {
			iswtRow(ws, fl, in[0], in[1:], o[0])
		})
	return out, nil
}

const bitsInt = 62

// iswtRow follows PyWavelets' iswt: at level j (step s = 2^(j-1)) each of the s interleaved
// subsequences is split into its even and odd samples, each half is inverted with the periodization
// IDWT, the odd reconstruction is rotated right by one, and the two are averaged.
func iswtRow[T Float](ws *workspace[T], fl *filters[T], approx []T, details [][]T, out []T) {
	n := len(out)
	copy(out, approx)
	levels := len(details)
	for j := levels; j >= 1; j-- {
		step := 1 << (j - 1)
		cd := details[levels-j]
		half := n / step / 2
		g := newSynthesisGeom(half, fl.f, ModePeriodization)
		buf := grow(&ws.tmp, 8*half)
		ea, ed := buf[:half], buf[half:2*half]
		oa, od := buf[2*half:3*half], buf[3*half:4*half]
		x1, x2 := buf[4*half:6*half], buf[6*half:8*half]
		for first := 0; first < step; first++ {
			for i := 0; i < half; i++ {
				e, o := first+2*i*step, first+(2*i+1)*step
				ea[i], ed[i] = out[e], cd[e]
				oa[i], od[i] = out[o], cd[o]
			}
			synthesizeRow(ws, g, ea, ed, &fl.syn, x1)
			synthesizeRow(ws, g, oa, od, &fl.syn, x2)
			// x2 rotated right by one: x2r[k] = x2[k-1 mod 2half].
			for k := 0; k < 2*half; k++ {
				out[first+k*step] = (x1[k] + x2[mod(k-1, 2*half)]) / 2
			}
		}
	}
}
