package waveop

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"github.com/trajdiff/trajdiff/wavelet"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// kind selects which of the plan's four linear maps an op applies.
type kind int

const (
	forward        kind = iota // wavedecn + pack
	forwardAdjoint             // transpose of forward
	inverse                    // unpack + waverecn
	inverseAdjoint             // transpose of inverse
)

func (k kind) String() string {
	return [...]string{"Wavedecn", "WavedecnT", "Waverecn", "WaverecnT"}[k]
}

// transpose is the kind whose map is the transpose of k's.
func (k kind) transpose() kind {
	return [...]kind{forwardAdjoint, forward, inverseAdjoint, inverse}[k]
}

// op is a gorgonia operation applying one linear map of a wavelet.Plan.
type op struct {
	kind            kind
	dtype           tensor.Dtype
	p64             *wavelet.Plan[float64]
	p32             *wavelet.Plan[float32]
	wavelet, mode   string
	level           int
	axes            []int
	signal          []int // shape the plan was built for
	inShp, outShape tensor.Shape
}

func newOp(k kind, dt tensor.Dtype, signal []int, wav, mode string, level int, axes []int) (*op, error) {
	o := &op{kind: k, dtype: dt, wavelet: wav, mode: mode}
	var packed, rec []int
	switch dt {
	case tensor.Float64:
		p, err := wavelet.NewPlan[float64](signal, wav, mode, level, axes)
		if err != nil {
			return nil, err
		}
		o.p64, o.level, o.axes = p, p.Level(), p.Axes()
		packed, rec = p.PackedShape(), p.ReconstructionShape()
	case tensor.Float32:
		p, err := wavelet.NewPlan[float32](signal, wav, mode, level, axes)
		if err != nil {
			return nil, err
		}
		o.p32, o.level, o.axes = p, p.Level(), p.Axes()
		packed, rec = p.PackedShape(), p.ReconstructionShape()
	default:
		return nil, fmt.Errorf("waveop: unsupported dtype %v (float64 or float32)", dt)
	}
	o.signal = append([]int(nil), signal...)
	switch k {
	case forward:
		o.inShp, o.outShape = tensor.Shape(signal), tensor.Shape(packed)
	case forwardAdjoint:
		o.inShp, o.outShape = tensor.Shape(packed), tensor.Shape(signal)
	case inverse:
		o.inShp, o.outShape = tensor.Shape(packed), tensor.Shape(rec)
	case inverseAdjoint:
		o.inShp, o.outShape = tensor.Shape(rec), tensor.Shape(packed)
	}
	o.inShp, o.outShape = o.inShp.Clone(), o.outShape.Clone()
	return o, nil
}

func (o *op) transposed() *op {
	t := *o
	t.kind = o.kind.transpose()
	t.inShp, t.outShape = o.outShape.Clone(), o.inShp.Clone()
	return &t
}

func (o *op) Arity() int { return 1 }

func (o *op) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(gorgonia.TensorType{Dims: len(o.inShp), Of: a}, gorgonia.TensorType{Dims: len(o.outShape), Of: a})
}

func (o *op) InferShape(inputs ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: expected 1 input, got %d", o, len(inputs))
	}
	if s, ok := inputs[0].(tensor.Shape); ok && !s.Eq(o.inShp) {
		return nil, fmt.Errorf("%v: input shape %v, expected %v", o, s, o.inShp)
	}
	return o.outShape.Clone(), nil
}

func (o *op) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: expected 1 input, got %d", o, len(inputs))
	}
	t, ok := inputs[0].(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("%v: input is %T, expected a tensor", o, inputs[0])
	}
	if !t.Shape().Eq(o.inShp) {
		return nil, fmt.Errorf("%v: input shape %v, expected %v", o, t.Shape(), o.inShp)
	}
	if t.Dtype() != o.dtype {
		return nil, fmt.Errorf("%v: input dtype %v, expected %v", o, t.Dtype(), o.dtype)
	}
	if d, ok := t.(*tensor.Dense); ok && d.IsMaterializable() {
		t = d.Materialize()
	}
	var backing any
	var err error
	switch o.dtype {
	case tensor.Float64:
		backing, err = apply(o.p64, o.kind, t.Data().([]float64))
	case tensor.Float32:
		backing, err = apply(o.p32, o.kind, t.Data().([]float32))
	}
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	return tensor.New(tensor.WithShape(o.outShape.Clone()...), tensor.WithBacking(backing)), nil
}

func apply[T wavelet.Float](p *wavelet.Plan[T], k kind, x []T) ([]T, error) {
	switch k {
	case forward:
		return p.Forward(x)
	case forwardAdjoint:
		return p.ForwardAdjoint(x)
	case inverse:
		return p.Inverse(x)
	default:
		return p.InverseAdjoint(x)
	}
}

func (o *op) ReturnsPtr() bool     { return false }
func (o *op) CallsExtern() bool    { return false }
func (o *op) OverwritesInput() int { return -1 }

func (o *op) WriteHash(h hash.Hash) { fmt.Fprint(h, o.String()) }

func (o *op) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

func (o *op) String() string {
	return fmt.Sprintf("%v{%s,%s,level=%d,axes=%v,signal=%v,%v}", o.kind, o.wavelet, o.mode, o.level, o.axes, o.signal, o.dtype)
}

// DiffWRT reports that the output depends on the single input.
func (o *op) DiffWRT(inputs int) []bool { return []bool{true} }

// SymDiff returns the input gradient: the transposed map applied to the output gradient.
func (o *op) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: expected 1 input, got %d", o, len(inputs))
	}
	g, err := gorgonia.ApplyOp(o.transposed(), grad)
	if err != nil {
		return nil, fmt.Errorf("%v: gradient: %w", o, err)
	}
	return gorgonia.Nodes{g}, nil
}

// Wavedecn applies the multilevel N-D DWT over axes (nil: all) to x and returns the packed coefficients
// (wavelet.Plan.Forward). level may be wavelet.MaxLevel or any level >= 0; levels above
// wavelet.DwtnMaxLevel are computed as PyWavelets computes them (boundary effects; see wavelet.Wavedec).
func Wavedecn(x *gorgonia.Node, wav, mode string, level int, axes []int) (*gorgonia.Node, error) {
	o, err := newOp(forward, x.Dtype(), x.Shape().Clone(), wav, mode, level, axes)
	if err != nil {
		return nil, fmt.Errorf("waveop.Wavedecn: %w", err)
	}
	n, err := gorgonia.ApplyOp(o, x)
	if err != nil {
		return nil, fmt.Errorf("waveop.Wavedecn: %w", err)
	}
	return n, nil
}

// Waverecn reconstructs from packed coefficients y of a signal of shape signalShape (the shape given to
// Wavedecn). The result has wavelet.Plan.ReconstructionShape, which equals signalShape except along
// odd axes in periodization mode (one extra sample, as in PyWavelets).
func Waverecn(y *gorgonia.Node, signalShape []int, wav, mode string, level int, axes []int) (*gorgonia.Node, error) {
	o, err := newOp(inverse, y.Dtype(), signalShape, wav, mode, level, axes)
	if err != nil {
		return nil, fmt.Errorf("waveop.Waverecn: %w", err)
	}
	n, err := gorgonia.ApplyOp(o, y)
	if err != nil {
		return nil, fmt.Errorf("waveop.Waverecn: %w", err)
	}
	return n, nil
}

// PackedShape is the shape of Wavedecn's output for a signal of the given shape.
func PackedShape(signalShape []int, wav, mode string, level int, axes []int) ([]int, error) {
	p, err := wavelet.NewPlan[float64](signalShape, wav, mode, level, axes)
	if err != nil {
		return nil, fmt.Errorf("waveop.PackedShape: %w", err)
	}
	return p.PackedShape(), nil
}
