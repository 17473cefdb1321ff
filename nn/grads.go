package nn

import (
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// The gradient bookkeeping that TrainGraph and RegressionGraph share: both keep their learnable
// parameters as graph nodes whose gradients gorgonia accumulates in place.

// gradOf is the accumulated gradient of a learnable node, nil before the first Run.
func gradOf(n *G.Node) *tensor.Dense {
	g, err := n.Grad()
	if err != nil {
		return nil
	}
	d, _ := g.(*tensor.Dense)
	return d
}

// gradNorm is the Euclidean norm of the accumulated gradients of learn, in float64 whatever their dtype.
func gradNorm(learn G.Nodes) float64 {
	var s float64
	for _, n := range learn {
		g := gradOf(n)
		if g == nil {
			continue
		}
		if g.Dtype() == tensor.Float32 {
			s += kern.SumSquares(data[float32](g))
		} else {
			s += kern.SumSquares(data[float64](g))
		}
	}
	return math.Sqrt(s)
}

// zeroGrads clears the accumulated gradients of learn.
func zeroGrads(learn G.Nodes) {
	for _, n := range learn {
		if g := gradOf(n); g != nil {
			clear(g.Raw)
		}
	}
}
