package nn

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
)

// TrainOptions configures a training graph.
type TrainOptions struct {
	Batch       int     // examples per step (the graph's fixed batch size)
	Seed        uint64  // keys dropout and condition dropout: the masks of step s are a function of (Seed, s)
	CondDropout float64 // probability of dropping an example's condition (classifier-free guidance)
	// ManualKeep leaves the condition keep mask to the caller (Keep), instead of drawing it per step.
	ManualKeep bool
}

// TrainGraph is a network's training step as one gorgonia graph for a fixed batch size: inputs x, t,
// cond (conditional networks), target and weight, the loss mean_b w_b ||net(x_b, t_b, cond_b) - target_b||^2
// / Dim, and its symbolic gradient with respect to every learnable parameter, run by a tape machine. The
// trainer fills the inputs (SetExample or the float32 views), calls Run, and passes ValueGrads to a
// gorgonia.Solver (Adam here is the fused one); Run adds into the gradients, the solver's Step zeroes them.
// A TrainGraph is not safe for concurrent use.
type TrainGraph struct {
	net    Net
	opt    TrainOptions
	b      *Builder
	m      G.VM
	x, t   *G.Node
	cond   *G.Node
	keep   *G.Node
	target *G.Node
	weight *G.Node
	out    *G.Node
	loss   *G.Node
	params []*Param
	learn  G.Nodes
}

// NewTrainGraph builds the training graph of net for opt.Batch examples.
func NewTrainGraph(net Net, opt TrainOptions) (*TrainGraph, error) {
	if opt.Batch <= 0 {
		return nil, fmt.Errorf("nn: training batch size %d must be positive", opt.Batch)
	}
	if opt.CondDropout < 0 || opt.CondDropout > 1 {
		return nil, fmt.Errorf("nn: condition dropout %v outside [0, 1]", opt.CondDropout)
	}
	tg := &TrainGraph{net: net, opt: opt}
	b := NewBuilder(net.Params().Dtype(), true)
	tg.b = b
	B := opt.Batch
	shape := append([]int{B}, net.Shape()...)
	tg.x = b.Input("x", shape...)
	tg.t = b.Input("t", B)
	if net.CondDim() > 0 {
		tg.cond = b.Input("cond", B, net.CondDim())
		tg.keep = b.Input("keep", B)
	}
	tg.target = b.Input("target", shape...)
	tg.weight = b.Input("weight", B)
	tg.out = net.Forward(b, tg.x, tg.t, tg.cond, tg.keep)
	tg.loss = b.WeightedMSE(tg.out, tg.target, tg.weight)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("nn: build training graph: %w", err)
	}
	var err error
	if tg.params, tg.learn, tg.m, err = b.differentiate(tg.loss, net.Params(), "training"); err != nil {
		return nil, err
	}
	tg.fill(tg.weight, 1)
	if tg.keep != nil {
		tg.fill(tg.keep, 1)
	}
	return tg, nil
}

func (tg *TrainGraph) fill(n *G.Node, v float64) {
	if tg.b.dt == tensor.Float32 {
		for i := range data[float32](n.Value()) {
			data[float32](n.Value())[i] = float32(v)
		}
		return
	}
	for i := range data[float64](n.Value()) {
		data[float64](n.Value())[i] = v
	}
}

// Batch is the graph's batch size.
func (tg *TrainGraph) Batch() int { return tg.opt.Batch }

// Net is the network the graph trains.
func (tg *TrainGraph) Net() Net { return tg.net }

// Graph is the underlying expression graph (for inspection or extension).
func (tg *TrainGraph) Graph() *G.ExprGraph { return tg.b.G }

// Float32 views of the inputs of a float32 graph, to be filled in place: X and Target [B, Shape...],
// T and Weight [B] (weights start at 1), Cond [B, CondDim] (nil for unconditional networks).
func (tg *TrainGraph) X() []float32      { return view32(tg.x) }
func (tg *TrainGraph) T() []float32      { return view32(tg.t) }
func (tg *TrainGraph) Target() []float32 { return view32(tg.target) }
func (tg *TrainGraph) Weight() []float32 { return view32(tg.weight) }
func (tg *TrainGraph) Cond() []float32   { return view32(tg.cond) }

// Keep is the condition keep mask [B] (1 uses example b's condition, 0 drops it), which Run redraws
// unless ManualKeep is set; nil for unconditional networks.
func (tg *TrainGraph) Keep() []float32 { return view32(tg.keep) }

func view32(n *G.Node) []float32 {
	if n == nil || n.Dtype() != tensor.Float32 {
		return nil
	}
	return data[float32](n.Value())
}

// SetExample writes example i of the batch: the network input and target (Dim values each, as
// diffusion.Objective.Sample produced them), the network time and weight from ex, and the condition
// (CondDim values; nil for an unconditional network).
func (tg *TrainGraph) SetExample(i int, input, target []float64, ex diffusion.Example, cond []float64) error {
	D, C := tg.net.Dim(), tg.net.CondDim()
	if i < 0 || i >= tg.opt.Batch {
		return fmt.Errorf("nn: example %d outside the batch of %d", i, tg.opt.Batch)
	}
	if len(input) != D || len(target) != D {
		return fmt.Errorf("nn: example %d: input %d and target %d values, want %d", i, len(input), len(target), D)
	}
	if len(cond) != C {
		return fmt.Errorf("nn: example %d: condition of %d values, want %d", i, len(cond), C)
	}
	if err := finite(input, target, cond, []float64{ex.NetTime, ex.Weight}); err != nil {
		return fmt.Errorf("nn: example %d: %w", i, err)
	}
	if ex.Weight < 0 {
		return fmt.Errorf("nn: example %d: negative loss weight %v", i, ex.Weight)
	}
	if tg.b.dt == tensor.Float32 {
		setRow(data[float32](tg.x.Value()), i, input)
		setRow(data[float32](tg.target.Value()), i, target)
		data[float32](tg.t.Value())[i] = float32(ex.NetTime)
		data[float32](tg.weight.Value())[i] = float32(ex.Weight)
		if C > 0 {
			setRow(data[float32](tg.cond.Value()), i, cond)
		}
		return nil
	}
	setRow(data[float64](tg.x.Value()), i, input)
	setRow(data[float64](tg.target.Value()), i, target)
	data[float64](tg.t.Value())[i] = ex.NetTime
	data[float64](tg.weight.Value())[i] = ex.Weight
	if C > 0 {
		setRow(data[float64](tg.cond.Value()), i, cond)
	}
	return nil
}

func setRow[T Float](dst []T, i int, src []float64) {
	row := dst[i*len(src) : (i+1)*len(src)]
	for j, v := range src {
		row[j] = T(v)
	}
}

func finite(vs ...[]float64) error {
	for _, v := range vs {
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("non-finite value %v at index %d", x, j)
			}
		}
	}
	return nil
}

// condKey separates the Philox key of condition dropout from that of dropout (both derive from the seed).
const condKey = 0x9e3779b97f4a7c15

// Run evaluates the loss of the current batch and adds its gradient into the parameters' gradients.
// step keys the random masks: dropout, and for conditional networks the condition dropout, which
// keeps example b's condition unless a Philox uniform of (Seed, step, b) falls below CondDropout.
func (tg *TrainGraph) Run(step uint64) (float64, error) {
	tg.b.SetStep(tg.opt.Seed, step)
	if tg.keep != nil && !tg.opt.ManualKeep {
		g := diffusion.NewPhilox(tg.opt.Seed ^ condKey) // a key of its own: disjoint from dropout's streams
		keep := make([]float64, tg.opt.Batch)
		for i := range keep {
			w := g.Block([4]uint32{uint32(i), uint32(step), uint32(step >> 32), 0xc0d})
			if float64(w[0]>>8)/(1<<24) >= tg.opt.CondDropout {
				keep[i] = 1
			}
		}
		if tg.b.dt == tensor.Float32 {
			setRow(data[float32](tg.keep.Value()), 0, keep)
		} else {
			setRow(data[float64](tg.keep.Value()), 0, keep)
		}
	}
	tg.m.Reset()
	if err := tg.m.RunAll(); err != nil {
		return 0, fmt.Errorf("nn: training step %d: %w", step, err)
	}
	loss, err := scalar(tg.loss.Value())
	if err != nil {
		return 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("nn: training step %d: loss is %v", step, loss)
	}
	return loss, nil
}

// Learnables are the parameter nodes, in the order of Params.
func (tg *TrainGraph) Learnables() G.Nodes { return tg.learn }

// Params are the learnable parameters the graph uses, in state_dict order (the order of
// Net.Params().Learnable(), which they equal unless the architecture leaves a parameter unused), and the
// order of Learnables and ValueGrads.
func (tg *TrainGraph) Params() []*Param { return tg.params }

// ValueGrads is the argument of a gorgonia.Solver's Step.
func (tg *TrainGraph) ValueGrads() []G.ValueGrad { return G.NodesToValueGrads(tg.learn) }

// Output is the network's prediction node (its value after Run is the batch's prediction).
func (tg *TrainGraph) Output() *G.Node { return tg.out }

// Grad returns the accumulated gradient of learnable parameter i (nil before the first Run).
func (tg *TrainGraph) Grad(i int) *tensor.Dense { return gradOf(tg.learn[i]) }

// ZeroGrad clears the accumulated gradients (solvers do it after their update).
func (tg *TrainGraph) ZeroGrad() { zeroGrads(tg.learn) }

// GradNorm is the Euclidean norm of all accumulated gradients.
func (tg *TrainGraph) GradNorm() float64 { return gradNorm(tg.learn) }

// Close releases the machine.
func (tg *TrainGraph) Close() error { return tg.m.Close() }

// differentiate adds to the graph the gradient of loss with respect to every learnable parameter of ps
// that the graph uses, and compiles it. The parameters come back in state_dict order
// (Params().Learnable()), so that optimiser state lines up with names.
func (b *Builder) differentiate(loss *G.Node, ps *Params, graph string) ([]*Param, G.Nodes, G.VM, error) {
	var params []*Param
	var learn G.Nodes
	for _, p := range ps.Learnable() {
		if n := b.nodes[p]; n != nil {
			params, learn = append(params, p), append(learn, n)
		}
	}
	if len(learn) == 0 {
		return nil, nil, nil, fmt.Errorf("nn: network has no learnable parameters")
	}
	if _, err := G.Grad(loss, learn...); err != nil {
		return nil, nil, nil, fmt.Errorf("nn: differentiate %s graph: %w", graph, err)
	}
	return params, learn, G.NewTapeMachine(b.G, G.BindDualValues(learn...)), nil
}
