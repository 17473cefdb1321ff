package wavelet

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// DwtAxis is PyWavelets' pywt.dwt(data, wavelet, mode, axis): a single-level DWT along one axis of a
// batched array (negative axes count from the end). Rows are transformed in parallel.
func DwtAxis[T Float](x *Array[T], wavelet, mode string, axis int, opts ...Option) (cA, cD *Array[T], err error) {
	w, m, err := resolve("DwtAxis", wavelet, mode)
	if err != nil {
		return nil, nil, err
	}
	if err := x.validate("input"); err != nil {
		return nil, nil, fmt.Errorf("DwtAxis: %w", err)
	}
	ax, err := normAxis(axis, x.Ndim())
	if err != nil {
		return nil, nil, fmt.Errorf("DwtAxis: %w", err)
	}
	cA, cD, err = dwtAxis(x, newFilters[T](w), m, ax, newConfig(opts))
	if err != nil {
		return nil, nil, fmt.Errorf("DwtAxis: %w", err)
	}
	return cA, cD, nil
}

// IdwtAxis is PyWavelets' pywt.idwt(cA, cD, wavelet, mode, axis); either band may be nil (zeros).
func IdwtAxis[T Float](cA, cD *Array[T], wavelet, mode string, axis int, opts ...Option) (*Array[T], error) {
	w, m, err := resolve("IdwtAxis", wavelet, mode)
	if err != nil {
		return nil, err
	}
	ref := cA
	for _, c := range []struct {
		a    *Array[T]
		name string
	}{{cA, "cA"}, {cD, "cD"}} {
		if c.a != nil {
			if err := c.a.validate(c.name); err != nil {
				return nil, fmt.Errorf("IdwtAxis: %w", err)
			}
			ref = c.a
		}
	}
	if ref == nil {
		return nil, fmt.Errorf("IdwtAxis: %w", ErrNoCoefficients)
	}
	ax, err := normAxis(axis, ref.Ndim())
	if err != nil {
		return nil, fmt.Errorf("IdwtAxis: %w", err)
	}
	out, err := idwtAxis(cA, cD, newFilters[T](w), m, ax, newConfig(opts))
	if err != nil {
		return nil, fmt.Errorf("IdwtAxis: %w", err)
	}
	return out, nil
}

// Dwtn is PyWavelets' pywt.dwtn: a single-level separable DWT over the given axes (nil: all axes). The
// result maps keys of 'a' (approximation) and 'd' (detail) letters, one per transformed axis in the
// order of axes, to coefficient arrays: "aa", "ad", "da", "dd" for two axes.
func Dwtn[T Float](x *Array[T], wavelet, mode string, axes []int, opts ...Option) (map[string]*Array[T], error) {
	w, m, err := resolve("Dwtn", wavelet, mode)
	if err != nil {
		return nil, err
	}
	if err := x.validate("input"); err != nil {
		return nil, fmt.Errorf("Dwtn: %w", err)
	}
	ax, err := normAxes(axes, x.Ndim())
	if err != nil {
		return nil, fmt.Errorf("Dwtn: %w", err)
	}
	c, err := dwtn(x, newFilters[T](w), m, ax, newConfig(opts))
	if err != nil {
		return nil, fmt.Errorf("Dwtn: %w", err)
	}
	return c, nil
}

func dwtn[T Float](x *Array[T], fl *filters[T], m Mode, axes []int, cfg config) (map[string]*Array[T], error) {
	if res, ok, err := dwtnBlocked(x, fl, m, axes, cfg); ok {
		return res, err
	}
	return splitAxes(x, axes, func(a *Array[T], ax int) (*Array[T], *Array[T], error) { return dwtAxis(a, fl, m, ax, cfg) })
}

// splitAxes splits x along each axis in turn, every array so far into two, and names the 2^len(axes) results
// by their path, "a" for the first output and "d" for the second at each axis (PyWavelets' band keys).
func splitAxes[T Float](x *Array[T], axes []int, split func(a *Array[T], ax int) (*Array[T], *Array[T], error)) (map[string]*Array[T], error) {
	keys, arrs := []string{""}, []*Array[T]{x}
	for _, ax := range axes {
		nk, na := make([]string, 0, 2*len(keys)), make([]*Array[T], 0, 2*len(arrs))
		for i, a := range arrs {
			lo, hi, err := split(a, ax)
			if err != nil {
				return nil, fmt.Errorf("axis %d: %w", ax, err)
			}
			nk = append(nk, keys[i]+"a", keys[i]+"d")
			na = append(na, lo, hi)
		}
		keys, arrs = nk, na
	}
	out := make(map[string]*Array[T], len(keys))
	for i, k := range keys {
		out[k] = arrs[i]
	}
	return out, nil
}

// Idwtn is PyWavelets' pywt.idwtn: the inverse of Dwtn. Missing (or nil) bands count as zeros. nil axes
// means the first len(key) axes, as in PyWavelets. All bands must have the same shape.
func Idwtn[T Float](coeffs map[string]*Array[T], wavelet, mode string, axes []int, opts ...Option) (*Array[T], error) {
	w, m, err := resolve("Idwtn", wavelet, mode)
	if err != nil {
		return nil, err
	}
	c, ax, err := checkBands(coeffs, axes)
	if err != nil {
		return nil, fmt.Errorf("Idwtn: %w", err)
	}
	out, err := idwtn(c, newFilters[T](w), m, ax, newConfig(opts))
	if err != nil {
		return nil, fmt.Errorf("Idwtn: %w", err)
	}
	return out, nil
}

// checkBands validates a band dictionary (PyWavelets' _fix_coeffs plus the shape checks of idwtn) and
// resolves the axes.
func checkBands[T Float](coeffs map[string]*Array[T], axes []int) (map[string]*Array[T], []int, error) {
	c := make(map[string]*Array[T], len(coeffs))
	keyLen := -1
	var shape []int
	keys := make([]string, 0, len(coeffs))
	for k := range coeffs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.Trim(k, "ad") != "" || k == "" {
			return nil, nil, fmt.Errorf("wavelet: invalid band key %q (keys are strings of 'a' and 'd', one per axis)", k)
		}
		if keyLen >= 0 && len(k) != keyLen {
			return nil, nil, fmt.Errorf("wavelet: band keys %q and %q differ in length", keys[0], k)
		}
		keyLen = len(k)
		v := coeffs[k]
		if v == nil {
			continue
		}
		if err := v.validate("band " + k); err != nil {
			return nil, nil, err
		}
		if shape == nil {
			shape = v.Shape
		} else if !slices.Equal(shape, v.Shape) {
			return nil, nil, fmt.Errorf("wavelet: band %q has shape %v, others %v (all bands must have equal shapes)", k, v.Shape, shape)
		}
		c[k] = v
	}
	if len(c) == 0 {
		return nil, nil, ErrNoCoefficients
	}
	if axes == nil {
		if keyLen > len(shape) {
			return nil, nil, fmt.Errorf("wavelet: keys of length %d for %d-dimensional bands", keyLen, len(shape))
		}
		axes = make([]int, keyLen)
		for i := range axes {
			axes[i] = i
		}
	}
	ax, err := normAxes(axes, len(shape))
	if err != nil {
		return nil, nil, err
	}
	if len(ax) != keyLen {
		return nil, nil, fmt.Errorf("wavelet: %d axes for band keys of length %d", len(ax), keyLen)
	}
	return c, ax, nil
}

func idwtn[T Float](c map[string]*Array[T], fl *filters[T], m Mode, axes []int, cfg config) (*Array[T], error) {
	if res, ok, err := idwtnBlocked(c, fl, m, axes, cfg); ok {
		return res, err
	}
	for i := len(axes) - 1; i >= 0; i-- {
		next := make(map[string]*Array[T], len(c)/2+1)
		for _, key := range bandKeys(i) {
			lo, hi := c[key+"a"], c[key+"d"]
			if lo == nil && hi == nil {
				continue
			}
			r, err := idwtAxis(lo, hi, fl, m, axes[i], cfg)
			if err != nil {
				return nil, fmt.Errorf("axis %d: %w", axes[i], err)
			}
			next[key] = r
		}
		c = next
	}
	out := c[""]
	if out == nil {
		return nil, ErrNoCoefficients
	}
	return out, nil
}

// bandKeys lists the 2^n keys of length n in PyWavelets' order ("aa", "ad", "da", "dd").
func bandKeys(n int) []string {
	keys := []string{""}
	for i := 0; i < n; i++ {
		next := make([]string, 0, 2*len(keys))
		for _, k := range keys {
			next = append(next, k+"a", k+"d")
		}
		keys = next
	}
	return keys
}

// Detail2 holds the three detail bands of a 2-D DWT in PyWavelets' order (cH, cV, cD): H is "da"
// (detail along the first axis), V is "ad" and D is "dd".
type Detail2[T Float] struct {
	H, V, D *Array[T]
}

func axes2(axes []int) ([]int, error) {
	if axes == nil {
		return []int{-2, -1}, nil
	}
	if len(axes) != 2 {
		return nil, fmt.Errorf("wavelet: expected 2 axes, got %v", axes)
	}
	return axes, nil
}

// Dwt2 is PyWavelets' pywt.dwt2: a single-level 2-D DWT over two axes (nil: the last two), returning
// cA and (cH, cV, cD).
func Dwt2[T Float](x *Array[T], wavelet, mode string, axes []int, opts ...Option) (*Array[T], Detail2[T], error) {
	ax, err := axes2(axes)
	if err != nil {
		return nil, Detail2[T]{}, fmt.Errorf("Dwt2: %w", err)
	}
	c, err := Dwtn(x, wavelet, mode, ax, opts...)
	if err != nil {
		return nil, Detail2[T]{}, fmt.Errorf("Dwt2: %w", err)
	}
	return c["aa"], Detail2[T]{H: c["da"], V: c["ad"], D: c["dd"]}, nil
}

// Idwt2 is PyWavelets' pywt.idwt2; nil bands count as zeros.
func Idwt2[T Float](cA *Array[T], d Detail2[T], wavelet, mode string, axes []int, opts ...Option) (*Array[T], error) {
	ax, err := axes2(axes)
	if err != nil {
		return nil, fmt.Errorf("Idwt2: %w", err)
	}
	out, err := Idwtn(map[string]*Array[T]{"aa": cA, "da": d.H, "ad": d.V, "dd": d.D}, wavelet, mode, ax, opts...)
	if err != nil {
		return nil, fmt.Errorf("Idwt2: %w", err)
	}
	return out, nil
}
