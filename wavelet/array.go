package wavelet

import (
	"fmt"
	"math"
)

// Float is the element type the transforms accept: float64 (exact to PyWavelets' float64 path) or
// float32 (computed in float32 with float32 filters, as PyWavelets does for float32 input).
type Float interface {
	~float32 | ~float64
}

// Array is a dense N-dimensional array in row-major (C, NumPy default) order: the element at index
// (i0, ..., i_{d-1}) is Data[((i0*Shape[1]+i1)*Shape[2]+i2)...]. Batched data such as
// [batch, channel, time, x] is an Array whose transformed axes are chosen per call.
type Array[T Float] struct {
	Shape []int
	Data  []T
}

// NewArray wraps data (not copied) as an array of the given shape; len(data) must equal the product of
// the shape, and every extent must be positive.
func NewArray[T Float](data []T, shape ...int) (*Array[T], error) {
	n, err := shapeSize(shape)
	if err != nil {
		return nil, err
	}
	if n != len(data) {
		return nil, fmt.Errorf("wavelet: array of shape %v needs %d elements, got %d", shape, n, len(data))
	}
	return &Array[T]{Shape: append([]int(nil), shape...), Data: data}, nil
}

// Zeros returns a zero-filled array of the given shape. It panics on a non-positive extent, which is a
// programming error.
func Zeros[T Float](shape ...int) *Array[T] {
	n, err := shapeSize(shape)
	if err != nil {
		panic(err)
	}
	return &Array[T]{Shape: append([]int(nil), shape...), Data: make([]T, n)}
}

// Size is the number of elements.
func (a *Array[T]) Size() int { return len(a.Data) }

// Ndim is the number of dimensions.
func (a *Array[T]) Ndim() int { return len(a.Shape) }

// Clone returns a deep copy.
func (a *Array[T]) Clone() *Array[T] {
	return &Array[T]{Shape: append([]int(nil), a.Shape...), Data: append([]T(nil), a.Data...)}
}

// validate checks that the array is internally consistent.
func (a *Array[T]) validate(what string) error {
	if a == nil {
		return fmt.Errorf("wavelet: %s is nil", what)
	}
	n, err := shapeSize(a.Shape)
	if err != nil {
		return fmt.Errorf("wavelet: %s: %w", what, err)
	}
	if n != len(a.Data) {
		return fmt.Errorf("wavelet: %s has shape %v (%d elements) but %d data values", what, a.Shape, n, len(a.Data))
	}
	return nil
}

func shapeSize(shape []int) (int, error) {
	if len(shape) == 0 {
		return 0, fmt.Errorf("wavelet: array needs at least one dimension")
	}
	n := 1
	for _, s := range shape {
		if s <= 0 {
			return 0, fmt.Errorf("wavelet: shape %v has a non-positive extent", shape)
		}
		if n > math.MaxInt/s {
			return 0, fmt.Errorf("wavelet: shape %v overflows int", shape)
		}
		n *= s
	}
	return n, nil
}

// splitAxis returns the number of rows before the axis (outer), the axis extent and the number of
// contiguous lanes after it (inner): element (o, i, k) lives at (o*n+i)*inner+k.
func splitAxis(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for _, s := range shape[:axis] {
		outer *= s
	}
	for _, s := range shape[axis+1:] {
		inner *= s
	}
	return outer, shape[axis], inner
}

// normAxis maps a possibly negative axis (NumPy convention) into [0, ndim).
func normAxis(axis, ndim int) (int, error) {
	if axis < 0 {
		axis += ndim
	}
	if axis < 0 || axis >= ndim {
		return 0, fmt.Errorf("wavelet: axis out of range for a %d-dimensional array", ndim)
	}
	return axis, nil
}

// normAxes normalises a list of axes; nil means every axis in order. Repeated axes are rejected.
func normAxes(axes []int, ndim int) ([]int, error) {
	if axes == nil {
		out := make([]int, ndim)
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	if len(axes) == 0 {
		return nil, fmt.Errorf("wavelet: empty list of axes")
	}
	out := make([]int, len(axes))
	seen := make(map[int]bool, len(axes))
	for i, ax := range axes {
		a, err := normAxis(ax, ndim)
		if err != nil {
			return nil, fmt.Errorf("wavelet: axes %v: %w", axes, err)
		}
		if seen[a] {
			return nil, fmt.Errorf("wavelet: axes %v repeat axis %d", axes, a)
		}
		seen[a] = true
		out[i] = a
	}
	return out, nil
}
