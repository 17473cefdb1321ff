package nn

import (
	"fmt"
	"hash"
	"hash/fnv"
	"unsafe"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// Float is the element type of a graph: float32 for training and inference, float64 for the gradient tests.
type Float = kern.Float

// op is the part every nn op shares. An op is built for fixed input shapes (a graph has a fixed batch
// size), so it owns its output: the buffer is allocated on the first Do and rewritten by every later Do,
// which makes the steady state free of allocation however the machine is reset between runs. Each op
// hashes by its own address, so gorgonia never merges two of them.
type op struct {
	name  string
	ranks []int        // rank of each input (0 = scalar)
	shape tensor.Shape // output shape; empty for a scalar
	dt    tensor.Dtype
	diff  []bool // which inputs the op is differentiable with respect to
	out   *tensor.Dense
}

func newOp(name string, dt tensor.Dtype, shape tensor.Shape, inputs ...*G.Node) op {
	ranks := make([]int, len(inputs))
	for i, n := range inputs {
		ranks[i] = n.Dims()
	}
	return op{name: name, ranks: ranks, shape: shape, dt: dt, diff: make([]bool, len(inputs))}
}

func (o *op) Arity() int { return len(o.ranks) }

func tensorType(rank int, a hm.Type) hm.Type {
	if rank == 0 {
		return a
	}
	return G.TensorType{Dims: rank, Of: a}
}

func (o *op) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, len(o.ranks)+1)
	for _, r := range o.ranks {
		ts = append(ts, tensorType(r, a))
	}
	ts = append(ts, tensorType(len(o.shape), a))
	return hm.NewFnType(ts...)
}

func (o *op) InferShape(...G.DimSizer) (tensor.Shape, error) { return o.shape.Clone(), nil }
func (o *op) ReturnsPtr() bool                               { return true }
func (o *op) CallsExtern() bool                              { return false }
func (o *op) OverwritesInput() int                           { return -1 }
func (o *op) WriteHash(h hash.Hash)                          { fmt.Fprintf(h, "nn.%s@%p", o.name, o) }
func (o *op) String() string                                 { return o.name }
func (o *op) DiffWRT(n int) []bool                           { return o.diff[:n] }

func (o *op) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

// output returns the op-owned output tensor.
func (o *op) output() *tensor.Dense {
	if o.out == nil {
		o.out = tensor.New(tensor.WithShape(o.shape.Clone()...), tensor.Of(o.dt))
	}
	return o.out
}

// check validates the dtype and sizes of the input values against the shapes the op was built for.
func (o *op) check(in []G.Value, sizes ...int) error {
	if len(in) != len(o.ranks) {
		return fmt.Errorf("nn.%s: %d inputs, want %d", o.name, len(in), len(o.ranks))
	}
	for i, v := range in {
		if v.Dtype() != o.dt {
			return fmt.Errorf("nn.%s: input %d has dtype %v, want %v", o.name, i, v.Dtype(), o.dt)
		}
		if i < len(sizes) && sizes[i] >= 0 && v.Shape().TotalSize() != sizes[i] {
			return fmt.Errorf("nn.%s: input %d has shape %v (%d values), want %d values", o.name, i, v.Shape(), v.Shape().TotalSize(), sizes[i])
		}
	}
	return nil
}

// data returns the elements of a dense value without copying.
func data[T Float](v G.Value) []T {
	d, ok := v.(*tensor.Dense)
	if !ok {
		panic(fmt.Sprintf("nn: value of type %T is not a dense tensor", v))
	}
	var z T
	n := len(d.Raw) / int(unsafe.Sizeof(z))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(d.Raw))), n)
}

// scalar reads a scalar value (the gradient seed of a loss).
func scalar(v G.Value) (float64, error) {
	switch s := v.(type) {
	case *G.F32:
		return float64(*s), nil
	case *G.F64:
		return float64(*s), nil
	case *tensor.Dense:
		if s.Shape().TotalSize() == 1 {
			switch s.Dtype() {
			case tensor.Float32:
				return float64(data[float32](s)[0]), nil
			case tensor.Float64:
				return data[float64](s)[0], nil
			}
		}
	}
	return 0, fmt.Errorf("nn: expected a scalar gradient, got %T", v)
}

// scratch is an op-owned work buffer of either precision, grown on demand.
type scratch struct {
	f32 []float32
	f64 []float64
}

func buf[T Float](s *scratch, n int) []T {
	var z T
	if unsafe.Sizeof(z) == 4 {
		if cap(s.f32) < n {
			s.f32 = make([]float32, n)
		}
		return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(s.f32))), n)
	}
	if cap(s.f64) < n {
		s.f64 = make([]float64, n)
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(s.f64))), n)
}
