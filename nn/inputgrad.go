package nn

import (
	"fmt"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The input-gradient paths (RegressorInputGrad, NetVJP) share this machinery: a graph in which the data
// input x is the variable and the parameters are constants, the scalar sum(w * y) differentiated with
// respect to x, and a small cache of such graphs by batch size.

// markInputVariable makes x the variable of b's graph: every op on its path differentiates with respect
// to it, and no op computes the parameters' gradients.
func markInputVariable(b *Builder, x *G.Node, ps *Params) {
	b.grad[x] = true
	for _, p := range ps.All() {
		if n := b.Param(p); n != nil {
			b.grad[n] = false
		}
	}
}

// inputGradMachine adds the scalar sum(w * y) and its gradient with respect to x, and returns the tape
// machine that runs the graph with x's gradient bound.
func inputGradMachine(b *Builder, y, w, x *G.Node) (G.VM, error) {
	prod, err := G.HadamardProd(y, w)
	if err != nil {
		return nil, err
	}
	cost, err := G.Sum(prod)
	if err != nil {
		return nil, err
	}
	if _, err := G.Grad(cost, x); err != nil {
		return nil, fmt.Errorf("differentiate with respect to the input: %w", err)
	}
	return G.NewTapeMachine(b.G, G.BindDualValues(x)), nil
}

// runForInputGrad runs m once from a zero input gradient: the tape machine ADDS into it, as into the
// parameters' gradients in training.
func runForInputGrad(m G.VM, x *G.Node) error {
	if dx, err := x.Grad(); err == nil {
		if d, ok := dx.(*tensor.Dense); ok {
			clear(d.Raw)
		}
	}
	m.Reset()
	return m.RunAll()
}

// readInputGrad copies x's gradient into dst as float64.
func readInputGrad(dst []float64, x *G.Node) error {
	dx, err := x.Grad()
	if err != nil {
		return err
	}
	d, ok := dx.(*tensor.Dense)
	if !ok {
		return fmt.Errorf("unexpected gradient value %T", dx)
	}
	if d.Dtype() == tensor.Float32 {
		for i, v := range data[float32](d) {
			dst[i] = float64(v)
		}
		return nil
	}
	copy(dst, data[float64](d))
	return nil
}

// graphCache keeps the graphs of the max most recently used batch sizes, closing the one it evicts.
type graphCache[T any] struct {
	max    int
	close  func(T)
	graphs map[int]T
	order  []int // least recently used first
}

// get returns the graph for batch B, building it on a miss.
func (c *graphCache[T]) get(B int, build func() (T, error)) (T, error) {
	if g, ok := c.graphs[B]; ok {
		if i := slices.Index(c.order, B); i >= 0 {
			c.order = append(slices.Delete(c.order, i, i+1), B)
		}
		return g, nil
	}
	g, err := build()
	if err != nil {
		return g, err
	}
	if c.graphs == nil {
		c.graphs = map[int]T{}
	}
	if len(c.order) >= c.max {
		old := c.order[0]
		c.close(c.graphs[old])
		delete(c.graphs, old)
		c.order = c.order[1:]
	}
	c.graphs[B] = g
	c.order = append(c.order, B)
	return g, nil
}
