package nn

import (
	"fmt"
	"sync"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// NetVJP evaluates a score network together with a vector-Jacobian product with respect to its noisy
// INPUT,
//
//	y_b = net(x_b, t_b, c_b),   g_b = (d y_b / d x_b)^T v_b,
//
// by reverse-mode differentiation of the graph the network trains with, taken with respect to x instead of
// the parameters (which are constants here). Guidance that differentiates an objective of the denoiser's
// x0 prediction through the network (diffusion posterior sampling, Chung et al. 2023; "forward universal
// guidance", Bansal et al. 2023) needs exactly this product: the objective's gradient at x0 pulled back
// to x_t, so that it reaches coordinates the objective does not read but the network couples to the ones
// it does. It reads the parameters live, caches one graph per recently used batch size, runs in inference
// mode (no dropout), and is safe for concurrent use (calls are serialised).
type NetVJP struct {
	net    Net
	mu     sync.Mutex
	graphs graphCache[*vjpGraph]
}

type vjpGraph struct {
	inferGraph
	v *G.Node
}

// NewNetVJP returns the input vector-Jacobian product of net, caching graphs for up to 4 batch sizes.
func NewNetVJP(net Net) *NetVJP {
	return &NetVJP{net: net, graphs: graphCache[*vjpGraph]{max: 4, close: func(g *vjpGraph) { g.m.Close() }}}
}

// Net is the differentiated network.
func (g *NetVJP) Net() Net { return g.net }

// VJP writes net(x, t, cond) into y and (dy/dx)^T v into grad, for x of B examples (B*Dim finite values),
// t of B values (or 1 for all), cond as in Predictor.PredictBatch (nil: the unconditional model) and v of
// B*Dim finite values; y and grad have B*Dim values.
func (g *NetVJP) VJP(y, grad, x, t, cond, v []float64) error {
	D, C := g.net.Dim(), g.net.CondDim()
	if len(x) == 0 || len(x)%D != 0 || len(y) != len(x) || len(grad) != len(x) || len(v) != len(x) {
		return fmt.Errorf("nn: vector-Jacobian product: len(x) %d must be a positive multiple of %d, and y (%d), grad (%d) and v (%d) as long",
			len(x), D, len(y), len(grad), len(v))
	}
	B := len(x) / D
	if len(t) != 1 && len(t) != B {
		return fmt.Errorf("nn: vector-Jacobian product: %d times for %d examples", len(t), B)
	}
	if cond != nil && (C == 0 || (len(cond) != C && len(cond) != B*C)) {
		return fmt.Errorf("nn: vector-Jacobian product: condition of %d values, want %d or %d (condition width %d)", len(cond), C, B*C, C)
	}
	if err := finite(x, t, cond, v); err != nil {
		return fmt.Errorf("nn: vector-Jacobian product: %w", err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	gg, err := g.graphs.get(B, func() (*vjpGraph, error) { return g.build(B) })
	if err != nil {
		return err
	}
	if g.net.Params().Dtype() == tensor.Float32 {
		fillInputs[float32](&gg.inferGraph, x, t, cond, C)
		setRow(data[float32](gg.v.Value()), 0, v)
	} else {
		fillInputs[float64](&gg.inferGraph, x, t, cond, C)
		setRow(data[float64](gg.v.Value()), 0, v)
	}
	if err := runForInputGrad(gg.m, gg.x); err != nil {
		return fmt.Errorf("nn: vector-Jacobian product: %w", err)
	}
	readOutput(y, gg.y, g.net.Params().Dtype())
	if err := readInputGrad(grad, gg.x); err != nil {
		return fmt.Errorf("nn: vector-Jacobian product: %w", err)
	}
	return nil
}

// build makes the graph for batch B: x marked as the variable, y = net(x, t, cond) and the scalar
// sum(v * y) differentiated with respect to x only.
func (g *NetVJP) build(B int) (*vjpGraph, error) {
	net := g.net
	b := NewBuilder(net.Params().Dtype(), false)
	shape := append([]int{B}, net.Shape()...)
	gg := &vjpGraph{inferGraph: inferGraph{b: b}}
	gg.x = b.Input("x", shape...)
	gg.v = b.Input("v", shape...)
	gg.t = b.Input("t", B)
	if net.CondDim() > 0 {
		gg.cond = b.Input("cond", B, net.CondDim())
		gg.keep = b.Input("keep", B)
	}
	if b.Err() != nil {
		return nil, fmt.Errorf("nn: build vector-Jacobian graph for batch %d: %w", B, b.Err())
	}
	markInputVariable(b, gg.x, net.Params())
	gg.y = net.Forward(b, gg.x, gg.t, gg.cond, gg.keep)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("nn: build vector-Jacobian graph for batch %d: %w", B, err)
	}
	m, err := inputGradMachine(b, gg.y, gg.v, gg.x)
	if err != nil {
		return nil, fmt.Errorf("nn: build vector-Jacobian graph for batch %d: %w", B, err)
	}
	gg.m = m
	return gg, nil
}
