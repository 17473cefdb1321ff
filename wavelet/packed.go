package wavelet

import (
	"fmt"
	"slices"
	"strings"
)

// Block is a rectangular region of a packed coefficient array.
type Block struct {
	Start, Shape []int
}

// Layout records where each band of a multilevel decomposition sits in a single packed array
// (PyWavelets' coeff_slices from coeffs_to_array).
type Layout struct {
	Shape   []int              // shape of the packed array
	Axes    []int              // transformed axes
	Approx  Block              // cA_n
	Details []map[string]Block // Details[0] is the deepest level, as in CoeffsN
}

// CoeffsToArray is PyWavelets' pywt.coeffs_to_array(coeffs, padding=0, axes): it packs a Wavedecn
// result into one array. Along each transformed axis the array holds cA_n followed by the details from
// the deepest to the finest level; a band's 'a' letters place it at the start of the axis and its 'd'
// letters after everything coarser. Unused positions are zero. nil axes means all axes.
func CoeffsToArray[T Float](c *CoeffsN[T], axes []int) (*Array[T], *Layout, error) {
	if c == nil || c.Approx == nil {
		return nil, nil, fmt.Errorf("CoeffsToArray: the approximation is required")
	}
	if err := c.Approx.validate("approximation"); err != nil {
		return nil, nil, fmt.Errorf("CoeffsToArray: %w", err)
	}
	lay, err := layoutOf(c, axes)
	if err != nil {
		return nil, nil, fmt.Errorf("CoeffsToArray: %w", err)
	}
	out := Zeros[T](lay.Shape...)
	packInto(c, lay, out.Data)
	return out, lay, nil
}

// packInto copies c's blocks to their places in out (the layout's shape, row-major); the rest of out is left
// as it is.
func packInto[T Float](c *CoeffsN[T], lay *Layout, out []T) {
	copyBlock(c.Approx.Data, lay.Approx.Shape, out, lay.Shape, lay.Approx.Start, true)
	for i, d := range lay.Details {
		for k, b := range d {
			copyBlock(c.Details[i][k].Data, b.Shape, out, lay.Shape, b.Start, true)
		}
	}
}

func layoutOf[T Float](c *CoeffsN[T], axes []int) (*Layout, error) {
	ndim := c.Approx.Ndim()
	details := make([]map[string][]int, len(c.Details))
	for i, d := range c.Details {
		details[i] = make(map[string][]int, len(d))
		for k, v := range d {
			if v == nil {
				return nil, fmt.Errorf("band %q is nil (packing does not support missing bands)", k)
			}
			if err := v.validate("band " + k); err != nil {
				return nil, err
			}
			if v.Ndim() != ndim {
				return nil, fmt.Errorf("band %q has %d dimensions, the approximation %d", k, v.Ndim(), ndim)
			}
			details[i][k] = v.Shape
		}
	}
	return computeLayout(c.Approx.Shape, details, axes)
}

// computeLayout places the bands of the given shapes as coeffs_to_array does.
func computeLayout(approx []int, details []map[string][]int, axes []int) (*Layout, error) {
	ndim := len(approx)
	if len(details) == 0 {
		ax, err := normAxes(axes, ndim)
		if err != nil {
			return nil, err
		}
		return &Layout{Shape: append([]int(nil), approx...), Axes: ax,
			Approx: Block{Start: make([]int, ndim), Shape: append([]int(nil), approx...)}}, nil
	}
	keyLen := -1
	for _, d := range details {
		for k := range d {
			if keyLen >= 0 && len(k) != keyLen {
				return nil, fmt.Errorf("band keys of different lengths")
			}
			keyLen = len(k)
		}
	}
	if axes == nil && keyLen < ndim {
		return nil, fmt.Errorf("the bands transform %d of %d axes: give the axes", keyLen, ndim)
	}
	ax, err := normAxes(axes, ndim)
	if err != nil {
		return nil, err
	}
	if len(ax) != keyLen {
		return nil, fmt.Errorf("%d axes for band keys of length %d", len(ax), keyLen)
	}
	allD := strings.Repeat("d", keyLen)
	lay := &Layout{Axes: ax, Details: make([]map[string]Block, len(details))}
	shape := append([]int(nil), approx...)
	for i, d := range details {
		dd, ok := d[allD]
		if !ok {
			return nil, fmt.Errorf("level %d lacks band %q", len(details)-i, allD)
		}
		for _, a := range ax {
			shape[a] += dd[a]
		}
	}
	lay.Shape = shape
	lay.Approx = Block{Start: make([]int, ndim), Shape: append([]int(nil), approx...)}
	offset := append([]int(nil), approx...) // running a_shape of coeffs_to_array
	for i, d := range details {
		lay.Details[i] = make(map[string]Block, len(d))
		for k, bs := range d {
			start := make([]int, ndim)
			for j, letter := range k {
				a := ax[j]
				switch letter {
				case 'a':
					start[a] = 0
				case 'd':
					start[a] = offset[a]
				default:
					return nil, fmt.Errorf("invalid band key %q", k)
				}
				if start[a]+bs[a] > shape[a] {
					return nil, fmt.Errorf("band %q at level %d does not fit the packed shape %v", k, len(details)-i, shape)
				}
			}
			for a := range start {
				if !slices.Contains(ax, a) && bs[a] != shape[a] {
					return nil, fmt.Errorf("band %q has extent %d on untransformed axis %d, expected %d", k, bs[a], a, shape[a])
				}
			}
			lay.Details[i][k] = Block{Start: start, Shape: append([]int(nil), bs...)}
		}
		for _, a := range ax {
			offset[a] += d[allD][a]
		}
	}
	return lay, nil
}

// ArrayToCoeffs is PyWavelets' pywt.array_to_coeffs(arr, coeff_slices, output_format='wavedecn'): it
// cuts a packed array back into bands (copies).
func ArrayToCoeffs[T Float](arr *Array[T], lay *Layout) (*CoeffsN[T], error) {
	if err := arr.validate("packed array"); err != nil {
		return nil, fmt.Errorf("ArrayToCoeffs: %w", err)
	}
	if lay == nil || !slices.Equal(arr.Shape, lay.Shape) {
		return nil, fmt.Errorf("ArrayToCoeffs: array shape %v does not match the layout", arr.Shape)
	}
	get := func(b Block) (*Array[T], error) {
		if len(b.Start) != arr.Ndim() || len(b.Shape) != arr.Ndim() {
			return nil, fmt.Errorf("ArrayToCoeffs: block of rank %d in a %d-dimensional array", len(b.Shape), arr.Ndim())
		}
		for i := range b.Shape {
			if b.Start[i] < 0 || b.Shape[i] <= 0 || b.Start[i]+b.Shape[i] > arr.Shape[i] {
				return nil, fmt.Errorf("ArrayToCoeffs: block %v+%v outside shape %v", b.Start, b.Shape, arr.Shape)
			}
		}
		out := Zeros[T](b.Shape...)
		copyBlock(out.Data, b.Shape, arr.Data, arr.Shape, b.Start, false)
		return out, nil
	}
	a, err := get(lay.Approx)
	if err != nil {
		return nil, err
	}
	c := &CoeffsN[T]{Approx: a, Details: make([]map[string]*Array[T], len(lay.Details))}
	for i, d := range lay.Details {
		c.Details[i] = make(map[string]*Array[T], len(d))
		for k, b := range d {
			if c.Details[i][k], err = get(b); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}
