package nn

import (
	"fmt"
	"sync"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Predictor is the inference path of a network: it implements diffusion.Network in float64 for any batch
// size, keeping one compiled forward graph per recently used batch size (no graph is built per call, and
// the ops reuse their buffers). It reads the network's parameters live, so it follows training (do not
// predict while an optimiser step is updating them). It is safe for concurrent use (calls are
// serialised).
type Predictor struct {
	net    Net
	max    int
	mu     sync.Mutex
	graphs map[int]*inferGraph
	order  []int // least recently used first
}

type inferGraph struct {
	b                   *Builder
	m                   G.VM
	x, t, cond, keep, y *G.Node
}

// NewPredictor returns the inference path of net, caching graphs for up to 4 batch sizes.
func NewPredictor(net Net) *Predictor {
	return &Predictor{net: net, max: 4, graphs: map[int]*inferGraph{}}
}

// Dim is the number of values per example.
func (p *Predictor) Dim() int { return p.net.Dim() }

// Net is the predicted network.
func (p *Predictor) Net() Net { return p.net }

// Predict implements diffusion.Network: the prediction for the batch x at time t. A conditional network
// is evaluated without its condition (the unconditional model of classifier-free guidance).
func (p *Predictor) Predict(dst, x []float64, t float64) error {
	return p.PredictBatch(dst, x, []float64{t}, nil)
}

// PredictBatch evaluates the network on x (B examples) at times t (B values, or 1 for all) with
// condition cond (B*CondDim values, CondDim for all examples, or nil for none).
func (p *Predictor) PredictBatch(dst, x, t, cond []float64) error {
	D, C := p.net.Dim(), p.net.CondDim()
	if len(x) == 0 || len(x)%D != 0 || len(dst) != len(x) {
		return fmt.Errorf("nn: predict: len(x) %d and len(dst) %d must be equal positive multiples of %d", len(x), len(dst), D)
	}
	B := len(x) / D
	if len(t) != 1 && len(t) != B {
		return fmt.Errorf("nn: predict: %d times for %d examples", len(t), B)
	}
	if cond != nil && (C == 0 || (len(cond) != C && len(cond) != B*C)) {
		return fmt.Errorf("nn: predict: condition of %d values, want %d or %d (condition width %d)", len(cond), C, B*C, C)
	}
	if err := finite(x, t, cond); err != nil {
		return fmt.Errorf("nn: predict: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g, err := p.graph(B)
	if err != nil {
		return err
	}
	if p.net.Params().Dtype() == tensor.Float32 {
		fillInputs[float32](g, x, t, cond, C)
	} else {
		fillInputs[float64](g, x, t, cond, C)
	}
	g.m.Reset()
	if err := g.m.RunAll(); err != nil {
		return fmt.Errorf("nn: predict: %w", err)
	}
	readOutput(dst, g.y, p.net.Params().Dtype())
	return nil
}

// fillInputs converts the float64 inputs into the graph's input tensors; a nil condition drops it (keep 0).
func fillInputs[T Float](g *inferGraph, x, t, cond []float64, C int) {
	xs := data[T](g.x.Value())
	for i, v := range x {
		xs[i] = T(v)
	}
	ts := data[T](g.t.Value())
	for i := range ts {
		ts[i] = T(t[min(i, len(t)-1)])
	}
	if C == 0 {
		return
	}
	cs, ks := data[T](g.cond.Value()), data[T](g.keep.Value())
	if cond == nil {
		clear(cs)
		clear(ks)
		return
	}
	for i := range cs {
		cs[i] = T(cond[i%len(cond)])
	}
	for i := range ks {
		ks[i] = 1
	}
}

// graph returns the compiled forward graph for batch size B.
func (p *Predictor) graph(B int) (*inferGraph, error) {
	if g, ok := p.graphs[B]; ok {
		p.touch(B)
		return g, nil
	}
	net := p.net
	b := NewBuilder(net.Params().Dtype(), false)
	g := &inferGraph{b: b}
	g.x = b.Input("x", append([]int{B}, net.Shape()...)...)
	g.t = b.Input("t", B)
	if net.CondDim() > 0 {
		g.cond = b.Input("cond", B, net.CondDim())
		g.keep = b.Input("keep", B)
	}
	g.y = net.Forward(b, g.x, g.t, g.cond, g.keep)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("nn: build inference graph for batch %d: %w", B, err)
	}
	g.m = G.NewTapeMachine(b.G)
	if len(p.order) >= p.max {
		old := p.order[0]
		p.graphs[old].m.Close()
		delete(p.graphs, old)
		p.order = p.order[1:]
	}
	p.graphs[B] = g
	p.order = append(p.order, B)
	return g, nil
}

func (p *Predictor) touch(B int) {
	for i, v := range p.order {
		if v == B {
			p.order = append(append(p.order[:i:i], p.order[i+1:]...), B)
			return
		}
	}
}

// Conditional returns the network with a fixed condition (CondDim values for every example, or B*CondDim
// for a batch of B) as a diffusion.Network, the conditional model of classifier-free guidance.
func (p *Predictor) Conditional(cond []float64) diffusion.Network {
	return &conditional{p: p, cond: append([]float64(nil), cond...)}
}

type conditional struct {
	p    *Predictor
	cond []float64
}

func (c *conditional) Dim() int { return c.p.Dim() }
func (c *conditional) Predict(dst, x []float64, t float64) error {
	return c.p.PredictBatch(dst, x, []float64{t}, c.cond)
}

// readOutput copies a graph's output node of type dt into dst as float64.
func readOutput(dst []float64, y *G.Node, dt tensor.Dtype) {
	if dt == tensor.Float32 {
		for i, v := range data[float32](y.Value()) {
			dst[i] = float64(v)
		}
		return
	}
	copy(dst, data[float64](y.Value()))
}
