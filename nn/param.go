package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// Param is a named tensor of a model: a learnable weight, or a fixed buffer (such as random Fourier
// frequencies) that is saved with the model but never trained. Names follow PyTorch's state_dict of the
// same architecture. Shape is the layout of Value in the graph; convolution weights are stored tap-major
// (PyTorch's second axis moved last, see Conv1d) and TorchShape then gives the state_dict shape, into
// which Tensors, Save and Load convert.
type Param struct {
	Name       string
	Shape      []int
	TorchShape []int // nil when the layout is PyTorch's
	Learnable  bool
	Value      *tensor.Dense
	init       initRule
}

// StateShape is the shape of the parameter in the state_dict.
func (p *Param) StateShape() []int {
	if p.TorchShape != nil {
		return p.TorchShape
	}
	return p.Shape
}

// toTorch writes the values in state_dict layout into dst (float64).
func (p *Param) toTorch(dst []float64) {
	src := make([]float64, p.Size())
	for i := range src {
		src[i] = p.get(i)
	}
	if p.TorchShape == nil {
		copy(dst, src)
		return
	}
	a, q := p.TorchShape[0], p.TorchShape[1]
	kern.PermuteInner(dst, src, a, p.Size()/(a*q), q)
}

// fromTorch sets the values from state_dict layout.
func (p *Param) fromTorch(src []float64) {
	v := src
	if p.TorchShape != nil {
		a, q := p.TorchShape[0], p.TorchShape[1]
		v = make([]float64, len(src))
		kern.PermuteInner(v, src, a, q, p.Size()/(a*q))
	}
	for i, x := range v {
		p.set(i, x)
	}
}

// initRule is how a parameter is initialised: uniform on [-Bound, Bound], a constant, or normal with
// standard deviation Std, or (kind 3) the rotary frequencies theta^(-i/n) with theta in bound.
type initRule struct {
	kind  int // 0 uniform, 1 constant, 2 normal
	bound float64
}

// Size is the number of elements.
func (p *Param) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Float32s returns the values of a float32 parameter (nil for float64).
func (p *Param) Float32s() []float32 {
	if p.Value.Dtype() != tensor.Float32 {
		return nil
	}
	return data[float32](p.Value)
}

// Float64s returns the values of a float64 parameter (nil for float32).
func (p *Param) Float64s() []float64 {
	if p.Value.Dtype() != tensor.Float64 {
		return nil
	}
	return data[float64](p.Value)
}

// Params is the ordered parameter set of a model (state_dict order).
type Params struct {
	dt     tensor.Dtype
	list   []*Param
	byName map[string]*Param
}

func newParams(dt tensor.Dtype) *Params {
	return &Params{dt: dt, byName: map[string]*Param{}}
}

// Dtype is the element type of every parameter.
func (ps *Params) Dtype() tensor.Dtype { return ps.dt }

// All returns every parameter and buffer in state_dict order.
func (ps *Params) All() []*Param { return ps.list }

// Learnable returns the trained parameters in state_dict order.
func (ps *Params) Learnable() []*Param {
	var out []*Param
	for _, p := range ps.list {
		if p.Learnable {
			out = append(out, p)
		}
	}
	return out
}

// Get returns the parameter of that name, or nil.
func (ps *Params) Get(name string) *Param { return ps.byName[name] }

// Count is the number of learnable scalars.
func (ps *Params) Count() int {
	n := 0
	for _, p := range ps.Learnable() {
		n += p.Size()
	}
	return n
}

// addTapMajor adds a convolution weight stored tap-major: torch is the state_dict shape [a, q, k...] and
// the stored shape is [a, k..., q].
func (ps *Params) addTapMajor(name string, rule initRule, torch ...int) *Param {
	stored := append(append([]int{torch[0]}, torch[2:]...), torch[1])
	p := ps.add(name, true, rule, stored...)
	p.TorchShape = torch
	return p
}

func (ps *Params) add(name string, learnable bool, rule initRule, shape ...int) *Param {
	if _, dup := ps.byName[name]; dup {
		panic("nn: duplicate parameter " + name) // programmer error in an architecture
	}
	p := &Param{Name: name, Shape: shape, Learnable: learnable, init: rule,
		Value: tensor.New(tensor.WithShape(shape...), tensor.Of(ps.dt))}
	ps.list = append(ps.list, p)
	ps.byName[name] = p
	return p
}

// uniform is PyTorch's default for Linear and Conv weights and biases: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
// (kaiming_uniform with a = sqrt(5)).
func uniform(fanIn int) initRule  { return initRule{kind: 0, bound: 1 / math.Sqrt(float64(fanIn))} }
func constant(v float64) initRule { return initRule{kind: 1, bound: v} }
func normal(std float64) initRule { return initRule{kind: 2, bound: std} }

// inverseFreqs is the fixed frequency table theta^(-i/n), i < n, of rotary embeddings (a buffer; it draws
// no random numbers).
func inverseFreqs(theta float64) initRule { return initRule{kind: 3, bound: theta} }

// tiedTransposed initialises a stride-2, 4-tap transposed convolution (stored [in, 4, out]) as a
// resize-convolution: per (in, out) pair three taps w0, w1, w2 from U(-bound, bound), the Conv1d(3) that
// would follow nearest doubling, written as the transposed taps [w2, w1 + w2, w0 + w1, w0] (ICNR, Aitken
// et al. 2017, for the 1-D case). Even and odd outputs then sum the same weights, so the initial network
// writes no period-2 checkerboard; training may untie the taps.
func tiedTransposed(bound float64) initRule { return initRule{kind: 4, bound: bound} }

// Init draws every parameter from its initialisation rule with a PCG stream seeded by seed, in
// state_dict order, so a model is reproducible from its seed.
func (ps *Params) Init(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x6e6e2d696e6974))
	for _, p := range ps.list {
		n := p.Size()
		if p.init.kind == 4 {
			in, out, b := p.Shape[0], p.Shape[2], p.init.bound
			for ci := 0; ci < in; ci++ {
				for co := 0; co < out; co++ {
					w0, w1, w2 := (2*rng.Float64()-1)*b, (2*rng.Float64()-1)*b, (2*rng.Float64()-1)*b
					for k, v := range TiedTaps(w0, w1, w2) {
						p.set((ci*4+k)*out+co, v)
					}
				}
			}
			continue
		}
		for i := 0; i < n; i++ {
			var v float64
			switch p.init.kind {
			case 0:
				v = (2*rng.Float64() - 1) * p.init.bound
			case 1:
				v = p.init.bound
			case 2:
				v = rng.NormFloat64() * p.init.bound
			case 3:
				v = math.Pow(p.init.bound, -float64(i)/float64(n))
			}
			p.set(i, v)
		}
	}
}

func (p *Param) set(i int, v float64) {
	if p.Value.Dtype() == tensor.Float32 {
		data[float32](p.Value)[i] = float32(v)
	} else {
		data[float64](p.Value)[i] = v
	}
}

func (p *Param) get(i int) float64 {
	if p.Value.Dtype() == tensor.Float32 {
		return float64(data[float32](p.Value)[i])
	}
	return data[float64](p.Value)[i]
}

// CopyFrom copies every value from src, which must have the same names and shapes (any dtype): a
// checkpoint's EMA weights, or a float32 model into its float64 twin.
func (ps *Params) CopyFrom(src *Params) error {
	if len(src.list) != len(ps.list) {
		return fmt.Errorf("nn: copy parameters: %d tensors, want %d", len(src.list), len(ps.list))
	}
	for i, p := range ps.list {
		q := src.list[i]
		if q.Name != p.Name || !sameShape(q.Shape, p.Shape) || !sameShape(q.StateShape(), p.StateShape()) {
			return fmt.Errorf("nn: copy parameters: tensor %d is %s %v, want %s %v", i, q.Name, q.Shape, p.Name, p.Shape)
		}
		if q.Value.Dtype() == p.Value.Dtype() {
			copy(p.Value.Raw, q.Value.Raw)
			continue
		}
		for j := 0; j < p.Size(); j++ {
			p.set(j, q.get(j))
		}
	}
	return nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
