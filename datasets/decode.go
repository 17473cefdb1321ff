package datasets

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// colData is one column of one record batch as typed slices over the Arrow buffers.
type colData struct {
	f32   []float32
	f64   []float64
	i64   []int64
	i32   []int32
	bools *array.Boolean
	offs  []int32 // list offsets, len rows+1, relative to idx
	idx   []int32
}

// checkSchema verifies that every column of the layout exists with the right type. Extra columns
// are allowed (and ignored).
func checkSchema(file string, schema *arrow.Schema, cols []column, dt DType) error {
	for _, c := range cols {
		idx := schema.FieldIndices(c.name)
		if len(idx) == 0 {
			return colErr(file, c.name, -1, "column is missing (required by the spec in the metadata)")
		}
		if len(idx) > 1 {
			return colErr(file, c.name, -1, "column appears %d times", len(idx))
		}
		got := schema.Field(idx[0]).Type
		if !typeMatches(got, c, dt) {
			return colErr(file, c.name, -1, "type %v, want %v (row shape %v)", got, c.arrowType(dt), c.rowShape)
		}
	}
	return nil
}

// typeMatches compares types ignoring child field names and nullability, which differ between
// Arrow implementations.
func typeMatches(got arrow.DataType, c column, dt DType) bool {
	want := c.arrowType(dt)
	switch c.typ {
	case colTensor:
		g, ok := got.(*arrow.FixedSizeListType)
		w := want.(*arrow.FixedSizeListType)
		return ok && g.Len() == w.Len() && arrow.TypeEqual(g.Elem(), w.Elem())
	case colIndices:
		g, ok := got.(*arrow.ListType)
		return ok && g.Elem().ID() == arrow.INT32
	}
	return arrow.TypeEqual(got, want)
}

// extractBatch decodes the layout's columns of rec. Buffer sizes are checked here so that later
// accesses cannot go out of range; the caller runs it under safely because arrow-go panics on
// some inconsistent buffers.
func extractBatch(file string, rec arrow.RecordBatch, cols []column, m *Metadata, fileRow0 int64) ([]colData, error) {
	n := int(rec.NumRows())
	out := make([]colData, len(cols))
	schema := rec.Schema()
	for ci, c := range cols {
		idx := schema.FieldIndices(c.name)
		if len(idx) != 1 {
			return nil, colErr(file, c.name, fileRow0, "column missing in record batch")
		}
		arr := rec.Column(idx[0])
		bad := func(format string, args ...any) error {
			return colErr(file, c.name, fileRow0, "record batch starting at this row: "+format, args...)
		}
		if arr.Len() != n {
			return nil, bad("%d values for %d rows", arr.Len(), n)
		}
		if arr.NullN() != 0 {
			return nil, bad("%d null values (nulls are not allowed)", arr.NullN())
		}
		if !typeMatches(arr.DataType(), c, m.DType) {
			return nil, bad("type %v, want %v", arr.DataType(), c.arrowType(m.DType))
		}
		cd := &out[ci]
		switch c.typ {
		case colTensor, colScalar:
			var vals arrow.Array = arr
			start, count := 0, n
			if c.typ == colTensor {
				fl := arr.(*array.FixedSizeList)
				vals = fl.ListValues()
				start, count = fl.Data().Offset()*c.width, n*c.width
				if vals.NullN() != 0 {
					return nil, bad("%d null elements (nulls are not allowed)", vals.NullN())
				}
			}
			if m.DType == Float64 {
				v := vals.(*array.Float64).Float64Values()
				if start < 0 || start+count > len(v) {
					return nil, bad("value buffer holds %d elements, need %d", len(v), start+count)
				}
				cd.f64 = v[start : start+count : start+count]
			} else {
				v := vals.(*array.Float32).Float32Values()
				if start < 0 || start+count > len(v) {
					return nil, bad("value buffer holds %d elements, need %d", len(v), start+count)
				}
				cd.f32 = v[start : start+count : start+count]
			}
		case colInt64:
			v := arr.(*array.Int64).Int64Values()
			if len(v) != n {
				return nil, bad("value buffer holds %d elements, need %d", len(v), n)
			}
			cd.i64 = v
		case colInt32:
			v := arr.(*array.Int32).Int32Values()
			if len(v) != n {
				return nil, bad("value buffer holds %d elements, need %d", len(v), n)
			}
			cd.i32 = v
		case colBool:
			b := arr.(*array.Boolean)
			if n > 0 {
				_ = b.Value(n - 1) // panics (recovered by safely) when the bitmap is short
			}
			cd.bools = b
		case colIndices:
			l := arr.(*array.List)
			offs := l.Offsets()
			if len(offs) != n+1 {
				return nil, bad("%d list offsets for %d rows", len(offs), n)
			}
			child := l.ListValues()
			if child.NullN() != 0 {
				return nil, bad("%d null edge indices", child.NullN())
			}
			v := child.(*array.Int32).Int32Values()
			for r := 0; r < n; r++ {
				if offs[r] < 0 || offs[r] > offs[r+1] || int(offs[r+1]) > len(v) {
					return nil, colErr(file, c.name, fileRow0+int64(r), "list offsets [%d, %d) out of order or beyond %d values", offs[r], offs[r+1], len(v))
				}
			}
			rel := offs
			cd.offs = offs
			cd.idx = v
			nodes := int32(m.Geometric.Nodes)
			for r := 0; r < n; r++ {
				e := v[rel[r]:rel[r+1]]
				if len(e)%2 != 0 {
					return nil, colErr(file, c.name, fileRow0+int64(r), "odd number %d of edge indices, want (source, target) pairs", len(e))
				}
				for k, x := range e {
					if x < 0 || x >= nodes {
						return nil, &ValidationError{File: file, Column: c.name, Row: fileRow0 + int64(r), Element: k,
							Msg: fmt.Sprintf("node index %d outside [0, %d)", x, nodes)}
					}
				}
			}
		}
	}
	return out, nil
}
