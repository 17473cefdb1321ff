package datasets

import "fmt"

// Tensor is a read-only view of row-major float data of the dataset's dtype. For IPC files the
// data lies in the memory-mapped file (no copy); it stays valid until the Dataset is closed.
// Exactly one of Float32 and Float64 is non-nil.
type Tensor struct {
	Shape []int
	f32   []float32
	f64   []float64
}

// DType is the element type.
func (t Tensor) DType() DType {
	if t.f64 != nil {
		return Float64
	}
	return Float32
}

// Len is the number of elements.
func (t Tensor) Len() int {
	if t.f64 != nil {
		return len(t.f64)
	}
	return len(t.f32)
}

// Float32 returns the data when the dtype is float32 (without copying), else nil.
func (t Tensor) Float32() []float32 { return t.f32 }

// Float64 returns the data when the dtype is float64 (without copying), else nil.
func (t Tensor) Float64() []float64 { return t.f64 }

// At returns flat element i as float64.
func (t Tensor) At(i int) float64 {
	if t.f64 != nil {
		return t.f64[i]
	}
	return float64(t.f32[i])
}

// AppendFloat32 appends the elements converted to float32 to dst.
func (t Tensor) AppendFloat32(dst []float32) []float32 {
	if t.f64 == nil {
		return append(dst, t.f32...)
	}
	for _, v := range t.f64 {
		dst = append(dst, float32(v))
	}
	return dst
}

// AppendFloat64 appends the elements converted to float64 to dst.
func (t Tensor) AppendFloat64(dst []float64) []float64 {
	if t.f64 != nil {
		return append(dst, t.f64...)
	}
	for _, v := range t.f32 {
		dst = append(dst, float64(v))
	}
	return dst
}

// Clone returns a copy that does not refer to the file.
func (t Tensor) Clone() Tensor {
	c := Tensor{Shape: append([]int(nil), t.Shape...)}
	if t.f64 != nil {
		c.f64 = append([]float64(nil), t.f64...)
	} else {
		c.f32 = append([]float32{}, t.f32...)
	}
	return c
}

func (t Tensor) String() string { return fmt.Sprintf("Tensor(%v %v)", t.DType(), t.Shape) }

// slice returns the rows [r0, r0+rows) of column ci as a tensor of shape [rows, rowShape...]
// (episodes) or the row's own shape (one trajectory row). Runs spanning record batches are
// gathered into a new slice.
func (d *Dataset) slice(ci int, r0 int64, rows int, shape []int) Tensor {
	c := d.cols[ci]
	w := c.width
	t := Tensor{Shape: shape}
	bi := d.locate(r0)
	b := &d.batches[bi]
	lo := int(r0 - b.row0)
	if lo+rows <= b.n {
		if d.meta.DType == Float64 {
			t.f64 = b.cols[ci].f64[lo*w : (lo+rows)*w : (lo+rows)*w]
		} else {
			t.f32 = b.cols[ci].f32[lo*w : (lo+rows)*w : (lo+rows)*w]
		}
		return t
	}
	left := rows
	if d.meta.DType == Float64 {
		t.f64 = make([]float64, 0, rows*w)
	} else {
		t.f32 = make([]float32, 0, rows*w)
	}
	for left > 0 {
		b := &d.batches[bi]
		k := min(left, b.n-lo)
		if d.meta.DType == Float64 {
			t.f64 = append(t.f64, b.cols[ci].f64[lo*w:(lo+k)*w]...)
		} else {
			t.f32 = append(t.f32, b.cols[ci].f32[lo*w:(lo+k)*w]...)
		}
		left -= k
		bi++
		lo = 0
	}
	return t
}

// bools gathers rows [r0, r0+rows) of a boolean column.
func (d *Dataset) bools(ci int, r0 int64, rows int) []bool {
	out := make([]bool, rows)
	bi := d.locate(r0)
	lo := int(r0 - d.batches[bi].row0)
	for i := 0; i < rows; i++ {
		if lo == d.batches[bi].n {
			bi++
			lo = 0
		}
		out[i] = d.batches[bi].cols[ci].bools.Value(lo)
		lo++
	}
	return out
}
