package wavelet

import (
	"fmt"
	"slices"
	"strings"
)

// CoeffsN is the result of Wavedecn in PyWavelets' order: the approximation at the deepest level and
// the detail dictionaries from the deepest (Details[0]) to the finest level (Details[len-1]).
type CoeffsN[T Float] struct {
	Approx  *Array[T]
	Details []map[string]*Array[T]
}

// Coeffs2 is the result of Wavedec2: cA_n and [(cH_n, cV_n, cD_n), ..., (cH_1, cV_1, cD_1)].
type Coeffs2[T Float] struct {
	Approx  *Array[T]
	Details []Detail2[T]
}

// ndLevel resolves the level of an N-D decomposition; MaxLevel means the smallest dwt_max_level over
// the axes.
func ndLevel(shape []int, axes []int, w *Wavelet, level int) (int, error) {
	maxLvl := -1
	for _, ax := range axes {
		if l := w.DwtMaxLevel(shape[ax]); maxLvl < 0 || l < maxLvl {
			maxLvl = l
		}
	}
	return checkLevel(level, maxLvl)
}

// Wavedecn is PyWavelets' pywt.wavedecn: the multilevel N-D DWT over the given axes (nil: all). level
// may be MaxLevel (DwtnMaxLevel) or any level >= 0, as in PyWavelets: levels above DwtnMaxLevel are
// computed, not refused, with boundary effects along every axis whose DwtMaxLevel is below the level
// (see Wavedec).
func Wavedecn[T Float](x *Array[T], wavelet, mode string, level int, axes []int, opts ...Option) (*CoeffsN[T], error) {
	w, m, err := resolve("Wavedecn", wavelet, mode)
	if err != nil {
		return nil, err
	}
	if err := x.validate("input"); err != nil {
		return nil, fmt.Errorf("Wavedecn: %w", err)
	}
	ax, err := normAxes(axes, x.Ndim())
	if err != nil {
		return nil, fmt.Errorf("Wavedecn: %w", err)
	}
	level, err = ndLevel(x.Shape, ax, w, level)
	if err != nil {
		return nil, fmt.Errorf("Wavedecn: %w", err)
	}
	c, err := wavedecn(x, newFilters[T](w), m, level, ax, newConfig(opts))
	if err != nil {
		return nil, fmt.Errorf("Wavedecn: %w", err)
	}
	return c, nil
}

func wavedecn[T Float](x *Array[T], fl *filters[T], m Mode, level int, axes []int, cfg config) (*CoeffsN[T], error) {
	approxKey := strings.Repeat("a", len(axes))
	c := &CoeffsN[T]{Details: make([]map[string]*Array[T], level)}
	a := x
	for i := 0; i < level; i++ {
		bands, err := dwtn(a, fl, m, axes, cfg)
		if err != nil {
			return nil, fmt.Errorf("level %d: %w", i+1, err)
		}
		a = bands[approxKey]
		delete(bands, approxKey)
		c.Details[level-1-i] = bands
	}
	if level == 0 {
		a = x.Clone()
	}
	c.Approx = a
	return c, nil
}

// Waverecn is PyWavelets' pywt.waverecn. Approximations one sample longer than the next level's details
// along an axis are trimmed, as in PyWavelets. nil axes means all axes.
func Waverecn[T Float](c *CoeffsN[T], wavelet, mode string, axes []int, opts ...Option) (*Array[T], error) {
	w, m, err := resolve("Waverecn", wavelet, mode)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("Waverecn: nil coefficients")
	}
	if len(c.Details) == 0 {
		if c.Approx == nil {
			return nil, fmt.Errorf("Waverecn: %w", ErrNoCoefficients)
		}
		if err := c.Approx.validate("approximation"); err != nil {
			return nil, fmt.Errorf("Waverecn: %w", err)
		}
		return c.Approx.Clone(), nil
	}
	fl, cfg := newFilters[T](w), newConfig(opts)
	a := c.Approx
	ndim := -1
	if a != nil {
		if err := a.validate("approximation"); err != nil {
			return nil, fmt.Errorf("Waverecn: %w", err)
		}
		ndim = a.Ndim()
	}
	for idx, d := range c.Details {
		for k, v := range d {
			if v == nil {
				return nil, fmt.Errorf("Waverecn: level %d: detail band %q is nil (use zeros for multilevel transforms)",
					len(c.Details)-idx, k)
			}
			if ndim < 0 {
				ndim = v.Ndim()
			}
		}
	}
	if ndim < 0 {
		return nil, fmt.Errorf("Waverecn: %w", ErrNoCoefficients)
	}
	ax, err := normAxes(axes, ndim)
	if err != nil {
		return nil, fmt.Errorf("Waverecn: %w", err)
	}
	out, err := waverecn(c, fl, m, ax, cfg)
	if err != nil {
		return nil, fmt.Errorf("Waverecn: %w", err)
	}
	return out, nil
}

// waverecn reconstructs from validated coefficients (nil detail bands already rejected).
func waverecn[T Float](c *CoeffsN[T], fl *filters[T], m Mode, ax []int, cfg config) (*Array[T], error) {
	approxKey := strings.Repeat("a", len(ax))
	a := c.Approx
	for idx, d := range c.Details {
		lvl := len(c.Details) - idx
		if a == nil && len(d) == 0 {
			continue
		}
		bands := make(map[string]*Array[T], len(d)+1)
		var ref *Array[T]
		for k, v := range d {
			if k == approxKey {
				return nil, fmt.Errorf("level %d: detail dictionary holds the approximation key %q", lvl, k)
			}
			bands[k] = v
			ref = v
		}
		if a != nil && ref != nil && idx > 0 {
			var err error
			if a, err = matchCoeffDims(a, ref.Shape); err != nil {
				return nil, fmt.Errorf("level %d: %w", lvl, err)
			}
		}
		if a != nil {
			bands[approxKey] = a
		}
		bc, bax, err := checkBands(bands, ax)
		if err != nil {
			return nil, fmt.Errorf("level %d: %w", lvl, err)
		}
		if a, err = idwtn(bc, fl, m, bax, cfg); err != nil {
			return nil, fmt.Errorf("level %d: %w", lvl, err)
		}
	}
	if a == nil {
		return nil, ErrNoCoefficients
	}
	return a, nil
}

// matchCoeffDims trims a to shape when it is at most one longer along every axis (PyWavelets'
// _match_coeff_dims).
func matchCoeffDims[T Float](a *Array[T], shape []int) (*Array[T], error) {
	if len(a.Shape) != len(shape) {
		return nil, fmt.Errorf("approximation of shape %v does not match details of shape %v", a.Shape, shape)
	}
	same := true
	for i := range shape {
		d := a.Shape[i] - shape[i]
		if d < 0 || d > 1 {
			return nil, fmt.Errorf("approximation of shape %v is incompatible with details of shape %v", a.Shape, shape)
		}
		same = same && d == 0
	}
	if same {
		return a, nil
	}
	return crop(a, shape), nil
}

// crop returns the leading sub-array of the given shape.
func crop[T Float](a *Array[T], shape []int) *Array[T] {
	out := &Array[T]{Shape: append([]int(nil), shape...)}
	n := 1
	for _, s := range shape {
		n *= s
	}
	out.Data = make([]T, n)
	copyBlock(out.Data, shape, a.Data, a.Shape, make([]int, len(shape)), false)
	return out
}

// copyBlock copies the block of extent `shape` between a small array (small, of that shape) and a big
// array at offset `start`. toBig selects the direction.
func copyBlock[T Float](small []T, shape []int, big []T, bigShape, start []int, toBig bool) {
	nd := len(shape)
	last := shape[nd-1]
	rows := len(small) / last
	idx := make([]int, nd-1)
	for r := 0; r < rows; r++ {
		off := 0
		for d := 0; d < nd-1; d++ {
			off = off*bigShape[d] + start[d] + idx[d]
		}
		off = off*bigShape[nd-1] + start[nd-1]
		s := small[r*last : (r+1)*last]
		if toBig {
			copy(big[off:off+last], s)
		} else {
			copy(s, big[off:off+last])
		}
		for d := nd - 2; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
}

// Wavedec2 is PyWavelets' pywt.wavedec2 over two axes (nil: the last two). level is as in Wavedecn:
// MaxLevel or any level >= 0, deeper than DwtnMaxLevel included.
func Wavedec2[T Float](x *Array[T], wavelet, mode string, level int, axes []int, opts ...Option) (*Coeffs2[T], error) {
	ax, err := axes2(axes)
	if err != nil {
		return nil, fmt.Errorf("Wavedec2: %w", err)
	}
	if err := x.validate("input"); err != nil {
		return nil, fmt.Errorf("Wavedec2: %w", err)
	}
	if x.Ndim() < 2 {
		return nil, fmt.Errorf("Wavedec2: input must have at least 2 dimensions, got shape %v", x.Shape)
	}
	c, err := Wavedecn(x, wavelet, mode, level, ax, opts...)
	if err != nil {
		return nil, fmt.Errorf("Wavedec2: %w", err)
	}
	out := &Coeffs2[T]{Approx: c.Approx, Details: make([]Detail2[T], len(c.Details))}
	for i, d := range c.Details {
		out.Details[i] = Detail2[T]{H: d["da"], V: d["ad"], D: d["dd"]}
	}
	return out, nil
}

// Waverec2 is PyWavelets' pywt.waverec2; nil detail bands count as zeros.
func Waverec2[T Float](c *Coeffs2[T], wavelet, mode string, axes []int, opts ...Option) (*Array[T], error) {
	ax, err := axes2(axes)
	if err != nil {
		return nil, fmt.Errorf("Waverec2: %w", err)
	}
	if c == nil {
		return nil, fmt.Errorf("Waverec2: nil coefficients")
	}
	if len(c.Details) == 0 {
		if c.Approx == nil {
			return nil, fmt.Errorf("Waverec2: %w", ErrNoCoefficients)
		}
		return c.Approx.Clone(), nil
	}
	a := c.Approx
	for idx, d := range c.Details {
		lvl := len(c.Details) - idx
		var ref *Array[T]
		for _, b := range []*Array[T]{d.H, d.V, d.D} {
			if b == nil {
				continue
			}
			if ref != nil && !slices.Equal(ref.Shape, b.Shape) {
				return nil, fmt.Errorf("Waverec2: level %d: detail shapes %v and %v differ", lvl, ref.Shape, b.Shape)
			}
			ref = b
		}
		if a != nil && ref != nil && len(a.Shape) == len(ref.Shape) {
			// Drop the last sample along every axis where the approximation is one longer.
			shape := append([]int(nil), a.Shape...)
			trim := false
			for i := range shape {
				if a.Shape[i] == ref.Shape[i]+1 {
					shape[i]--
					trim = true
				}
			}
			if trim {
				a = crop(a, shape)
			}
		}
		a, err = Idwt2(a, d, wavelet, mode, ax, opts...)
		if err != nil {
			return nil, fmt.Errorf("Waverec2: level %d: %w", lvl, err)
		}
	}
	return a, nil
}

// WavedecAxis is PyWavelets' pywt.wavedec(data, wavelet, mode, level, axis): the multilevel 1-D DWT of
// every row along one axis of a batched array, returned as [cA_n, cD_n, ..., cD_1]. level is as in
// Wavedec: MaxLevel or any level >= 0, deeper than DwtMaxLevel included.
func WavedecAxis[T Float](x *Array[T], wavelet, mode string, level, axis int, opts ...Option) ([]*Array[T], error) {
	if err := x.validate("input"); err != nil {
		return nil, fmt.Errorf("WavedecAxis: %w", err)
	}
	ax, err := normAxis(axis, x.Ndim())
	if err != nil {
		return nil, fmt.Errorf("WavedecAxis: %w", err)
	}
	c, err := Wavedecn(x, wavelet, mode, level, []int{ax}, opts...)
	if err != nil {
		return nil, fmt.Errorf("WavedecAxis: %w", err)
	}
	out := []*Array[T]{c.Approx}
	for _, d := range c.Details {
		out = append(out, d["d"])
	}
	return out, nil
}

// WaverecAxis is PyWavelets' pywt.waverec(coeffs, wavelet, mode, axis); nil bands count as zeros.
func WaverecAxis[T Float](coeffs []*Array[T], wavelet, mode string, axis int, opts ...Option) (*Array[T], error) {
	w, m, err := resolve("WaverecAxis", wavelet, mode)
	if err != nil {
		return nil, err
	}
	if len(coeffs) < 1 {
		return nil, fmt.Errorf("WaverecAxis: coefficient list is empty")
	}
	for i, c := range coeffs {
		if c != nil {
			if err := c.validate(fmt.Sprintf("coefficient %d", i)); err != nil {
				return nil, fmt.Errorf("WaverecAxis: %w", err)
			}
		}
	}
	if len(coeffs) == 1 {
		if coeffs[0] == nil {
			return nil, fmt.Errorf("WaverecAxis: %w", ErrNoCoefficients)
		}
		return coeffs[0].Clone(), nil
	}
	fl, cfg := newFilters[T](w), newConfig(opts)
	a := coeffs[0]
	for i, d := range coeffs[1:] {
		lvl := len(coeffs) - 1 - i
		ref := a
		if ref == nil {
			ref = d
		}
		if ref == nil {
			return nil, fmt.Errorf("WaverecAxis: level %d: %w", lvl, ErrNoCoefficients)
		}
		ax, err := normAxis(axis, ref.Ndim())
		if err != nil {
			return nil, fmt.Errorf("WaverecAxis: %w", err)
		}
		if a != nil && d != nil {
			if a.Ndim() != d.Ndim() {
				return nil, fmt.Errorf("WaverecAxis: level %d: %w", lvl, errShapeMismatch(a.Shape, d.Shape))
			}
			switch {
			case a.Shape[ax] == d.Shape[ax]+1:
				a = crop(a, d.Shape)
			case a.Shape[ax] != d.Shape[ax]:
				return nil, fmt.Errorf("WaverecAxis: level %d: coefficient shape mismatch %v vs %v", lvl, a.Shape, d.Shape)
			}
		}
		a, err = idwtAxis(a, d, fl, m, ax, cfg)
		if err != nil {
			return nil, fmt.Errorf("WaverecAxis: level %d: %w", lvl, err)
		}
	}
	return a, nil
}
