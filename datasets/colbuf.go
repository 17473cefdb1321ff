package datasets

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// arrowType is the Arrow type of column c for element type dt.
func (c column) arrowType(dt DType) arrow.DataType {
	var elem arrow.DataType = arrow.PrimitiveTypes.Float32
	if dt == Float64 {
		elem = arrow.PrimitiveTypes.Float64
	}
	switch c.typ {
	case colTensor:
		return arrow.FixedSizeListOfField(int32(c.width), arrow.Field{Name: "item", Type: elem})
	case colScalar:
		return elem
	case colInt64:
		return arrow.PrimitiveTypes.Int64
	case colInt32:
		return arrow.PrimitiveTypes.Int32
	case colBool:
		return arrow.FixedWidthTypes.Boolean
	case colIndices:
		return arrow.ListOfField(arrow.Field{Name: "item", Type: arrow.PrimitiveTypes.Int32})
	}
	panic(fmt.Sprintf("datasets: unknown column type %d", c.typ))
}

// buildSchema returns the Arrow schema of m's columns with the given metadata.
func buildSchema(m *Metadata, md arrow.Metadata) *arrow.Schema {
	cols := m.columns()
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.arrowType(m.DType)}
	}
	return arrow.NewSchema(fields, &md)
}

// colBuf buffers one column's rows until the next record batch is cut.
type colBuf struct {
	col   column
	f32   []float32
	f64   []float64
	i64   []int64
	i32   []int32
	bools []bool
	offs  []int32 // list offsets (len rows+1 once started)
	idx   []int32 // list values
	rows  int
}

func (b *colBuf) reset() {
	b.f32, b.f64, b.i64, b.i32, b.bools, b.idx = b.f32[:0], b.f64[:0], b.i64[:0], b.i32[:0], b.bools[:0], b.idx[:0]
	b.offs = b.offs[:0]
	b.rows = 0
}

// appendFloats converts and appends x (checked finite) to the buffer. what names the unit for
// errors, e.g. "episode 3".
func (b *colBuf) appendFloats(dt DType, x []float64, what string) error {
	if dt == Float64 {
		for i, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("column %q, %s, element %d: value %v is not finite", b.col.name, what, i, v)
			}
		}
		b.f64 = append(b.f64, x...)
		return nil
	}
	start := len(b.f32)
	b.f32 = append(b.f32, make([]float32, len(x))...)
	dst := b.f32[start:]
	for i, v := range x {
		f := float32(v)
		// NaN, ±Inf and values that overflow float32 all have an all-ones exponent.
		if math.Float32bits(f)&0x7f800000 == 0x7f800000 {
			b.f32 = b.f32[:start]
			return fmt.Errorf("column %q, %s, element %d: value %v is not finite in float32", b.col.name, what, i, v)
		}
		dst[i] = f
	}
	return nil
}

func (b *colBuf) appendIndices(x []int32) {
	if len(b.offs) == 0 {
		b.offs = append(b.offs, 0)
	}
	b.idx = append(b.idx, x...)
	b.offs = append(b.offs, int32(len(b.idx)))
}

// array builds an Arrow array over the buffered data without copying it. The buffers must not be
// modified until the array has been written.
func (b *colBuf) array(dt DType) arrow.Array {
	n := b.rows
	c := b.col
	floatData := func(length int) *array.Data {
		if dt == Float64 {
			return array.NewData(arrow.PrimitiveTypes.Float64, length,
				[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(b.f64))}, nil, 0, 0)
		}
		return array.NewData(arrow.PrimitiveTypes.Float32, length,
			[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Float32Traits.CastToBytes(b.f32))}, nil, 0, 0)
	}
	var data *array.Data
	switch c.typ {
	case colTensor:
		child := floatData(n * c.width)
		data = array.NewData(c.arrowType(dt), n, []*memory.Buffer{nil}, []arrow.ArrayData{child}, 0, 0)
		child.Release()
	case colScalar:
		data = floatData(n)
	case colInt64:
		data = array.NewData(arrow.PrimitiveTypes.Int64, n,
			[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(b.i64))}, nil, 0, 0)
	case colInt32:
		data = array.NewData(arrow.PrimitiveTypes.Int32, n,
			[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(b.i32))}, nil, 0, 0)
	case colBool:
		bits := make([]byte, bitutil.BytesForBits(int64(n)))
		for i, v := range b.bools {
			if v {
				bitutil.SetBit(bits, i)
			}
		}
		data = array.NewData(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{nil, memory.NewBufferBytes(bits)}, nil, 0, 0)
	case colIndices:
		offs := b.offs
		if len(offs) == 0 {
			offs = []int32{0}
		}
		child := array.NewData(arrow.PrimitiveTypes.Int32, len(b.idx),
			[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(b.idx))}, nil, 0, 0)
		data = array.NewData(c.arrowType(dt), n,
			[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offs))}, []arrow.ArrayData{child}, 0, 0)
		child.Release()
	}
	arr := array.MakeFromData(data)
	data.Release()
	return arr
}
