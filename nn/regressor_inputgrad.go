package nn

import (
	"fmt"
	"sync"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// RegressorInputGrad evaluates a regressor f together with the gradient of a weighted sum of its outputs
// with respect to its INPUT,
//
//	y_b = f(x_b),   g_b = d/dx_b sum_o w_o f_o(x_b)   (x_b in R^In, w in R^Out),
//
// by reverse-mode differentiation of the same graph the regressor trains with (the nn ops' symbolic
// gradients, here taken with respect to the data input instead of the parameters). Classifier and value
// guidance (Dhariwal & Nichol 2021; Janner et al. 2022) need exactly this: the gradient of a value model
// J(x_t, t) with respect to the noisy sample. It reads the parameters live (like RegressorPredictor),
// caches one graph per recently used batch size, and is safe for concurrent use (calls are serialised).
type RegressorInputGrad struct {
	net    Regressor
	mu     sync.Mutex
	graphs graphCache[*inputGradGraph]
}

type inputGradGraph struct {
	m       G.VM
	x, w, y *G.Node
}

// NewRegressorInputGrad returns the input-gradient path of net, caching graphs for up to 4 batch sizes.
func NewRegressorInputGrad(net Regressor) *RegressorInputGrad {
	return &RegressorInputGrad{net: net, graphs: graphCache[*inputGradGraph]{max: 4, close: func(g *inputGradGraph) { g.m.Close() }}}
}

// Net is the differentiated regressor.
func (g *RegressorInputGrad) Net() Regressor { return g.net }

// Gradient writes f(x) into y (B*Out values) and sum_o w_o df_o/dx into grad (B*In values) for x of B*In
// finite values (B >= 1) and output weights w of Out finite values (w = [1] for a scalar value model).
func (g *RegressorInputGrad) Gradient(y, grad, x, w []float64) error {
	I, O := g.net.In(), g.net.Out()
	if len(x) == 0 || len(x)%I != 0 || len(grad) != len(x) || len(y) != len(x)/I*O {
		return fmt.Errorf("nn: input gradient: len(x) %d must be a positive multiple of %d, len(grad) %d equal to it and len(y) %d the matching multiple of %d",
			len(x), I, len(grad), len(y), O)
	}
	if len(w) != O {
		return fmt.Errorf("nn: input gradient: %d output weights, the regressor has %d outputs", len(w), O)
	}
	if err := finite(x, w); err != nil {
		return fmt.Errorf("nn: input gradient: %w", err)
	}
	B := len(x) / I
	g.mu.Lock()
	defer g.mu.Unlock()
	gg, err := g.graphs.get(B, func() (*inputGradGraph, error) { return g.build(B) })
	if err != nil {
		return err
	}
	if g.net.Params().Dtype() == tensor.Float32 {
		setRow(data[float32](gg.x.Value()), 0, x)
		for b := 0; b < B; b++ {
			setRow(data[float32](gg.w.Value()), b, w)
		}
	} else {
		setRow(data[float64](gg.x.Value()), 0, x)
		for b := 0; b < B; b++ {
			setRow(data[float64](gg.w.Value()), b, w)
		}
	}
	if err := runForInputGrad(gg.m, gg.x); err != nil {
		return fmt.Errorf("nn: input gradient: %w", err)
	}
	readOutput(y, gg.y, g.net.Params().Dtype())
	if err := readInputGrad(grad, gg.x); err != nil {
		return fmt.Errorf("nn: input gradient: %w", err)
	}
	return nil
}

// build makes the graph for batch B: x [B, In] marked as the variable, y = f(x) and the scalar
// sum_b sum_o w_bo y_bo differentiated with respect to x only.
func (g *RegressorInputGrad) build(B int) (*inputGradGraph, error) {
	b := NewBuilder(g.net.Params().Dtype(), false)
	gg := &inputGradGraph{x: b.Input("x", B, g.net.In()), w: b.Input("w", B, g.net.Out())}
	if b.Err() != nil {
		return nil, fmt.Errorf("nn: build input-gradient graph for batch %d: %w", B, b.Err())
	}
	markInputVariable(b, gg.x, g.net.Params())
	gg.y = g.net.Forward(b, gg.x)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("nn: build input-gradient graph for batch %d: %w", B, err)
	}
	m, err := inputGradMachine(b, gg.y, gg.w, gg.x)
	if err != nil {
		return nil, fmt.Errorf("nn: build input-gradient graph for batch %d: %w", B, err)
	}
	gg.m = m
	return gg, nil
}
