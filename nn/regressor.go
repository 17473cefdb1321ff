package nn

import (
	"fmt"
	"math"
	"slices"
	"sync"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// RegressorConfig configures the regressor: an MLP from In inputs to Out outputs with no time input,
// e.g. Decision Diffuser's inverse dynamics a_t = f(s_t, s_{t+1}) (2*obs -> 256 -> 256 -> act, ReLU).
type RegressorConfig struct {
	In         int    `json:"in"`                   // input values
	Out        int    `json:"out"`                  // output values
	Hidden     []int  `json:"hidden,omitempty"`     // hidden layer widths (default [256, 256])
	Activation string `json:"activation,omitempty"` // hidden activation (default relu; mish, silu, gelu, identity)
}

// withDefaults fills in the default hidden widths and activation.
func (c RegressorConfig) withDefaults() RegressorConfig {
	if c.Hidden == nil {
		c.Hidden = []int{256, 256}
	}
	if c.Activation == "" {
		c.Activation = "relu"
	}
	return c
}

// Regressor is a network that maps input vectors to output vectors, without the time and condition
// inputs of a denoising Net: inverse dynamics, critics, other supervised heads. It trains with
// RegressionGraph (mean squared error) and predicts with RegressorPredictor.
type Regressor interface {
	// In and Out are the lengths of an input and of an output vector.
	In() int
	Out() int
	// Params are the network's tensors in PyTorch state_dict order.
	Params() *Params
	// Spec describes the architecture, enough to rebuild the network (checkpoints).
	Spec() Spec
	// Forward adds the network to b's graph: x [B, In] -> [B, Out].
	Forward(b *Builder, x *G.Node) *G.Node
}

// RegressorMLP is the "regressor" architecture: Linear and activation layers from In to Out with
// PyTorch's default initialisation and the state_dict names of nn.Sequential ("net.0", "net.2", ...).
type RegressorMLP struct {
	cfg    RegressorConfig
	ps     *Params
	layers []*LinearLayer
	act    Activation
}

// NewRegressorMLP builds a regressor with parameters of dtype dt (initialise them with Params().Init).
func NewRegressorMLP(cfg RegressorConfig, dt tensor.Dtype) (*RegressorMLP, error) {
	cfg = cfg.withDefaults()
	if cfg.In <= 0 || cfg.Out <= 0 {
		return nil, fmt.Errorf("nn: regressor config %+v: need in > 0 and out > 0", cfg)
	}
	act, err := activation(cfg.Activation, ReLU)
	if err != nil {
		return nil, err
	}
	cfg.Hidden = slices.Clone(cfg.Hidden)
	m := &RegressorMLP{cfg: cfg, ps: newParams(dt), act: act}
	in := cfg.In
	for i, h := range cfg.Hidden {
		if h <= 0 {
			return nil, fmt.Errorf("nn: regressor hidden width %d", h)
		}
		m.layers = append(m.layers, NewLinear(m.ps, fmt.Sprintf("net.%d", 2*i), in, h, true))
		in = h
	}
	m.layers = append(m.layers, NewLinear(m.ps, fmt.Sprintf("net.%d", 2*len(cfg.Hidden)), in, cfg.Out, true))
	return m, nil
}

// In implements Regressor.
func (m *RegressorMLP) In() int { return m.cfg.In }

// Out implements Regressor.
func (m *RegressorMLP) Out() int { return m.cfg.Out }

// Params implements Regressor.
func (m *RegressorMLP) Params() *Params { return m.ps }

// Config returns the configuration with defaults filled in.
func (m *RegressorMLP) Config() RegressorConfig {
	c := m.cfg
	c.Hidden = slices.Clone(c.Hidden)
	return c
}

// Spec implements Regressor.
func (m *RegressorMLP) Spec() Spec {
	c := m.Config()
	return Spec{Arch: "regressor", Regressor: &c}
}

// Forward implements Regressor.
func (m *RegressorMLP) Forward(b *Builder, x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	if xs := x.Shape(); len(xs) != 2 || xs[1] != m.cfg.In {
		return b.failf("regressor input %v, want [B, %d]", xs, m.cfg.In)
	}
	h := x
	for i, l := range m.layers {
		h = l.Forward(b, h)
		if i < len(m.layers)-1 {
			h = b.Act(h, m.act)
		}
	}
	return h
}

// IsRegressor reports whether the spec names a regressor architecture, "regressor", "seq_regressor" or
// "temporal_value" (built by NewRegressor, not New).
func (s Spec) IsRegressor() bool {
	return s.Arch == "regressor" || s.Arch == "seq_regressor" || s.Arch == "temporal_value"
}

// RegressorIO returns the input and output lengths of the regressor the spec names, from its configuration
// (without building it).
func (s Spec) RegressorIO() (in, out int, err error) {
	switch {
	case s.Arch == "regressor" && s.Regressor != nil:
		return s.Regressor.In, s.Regressor.Out, nil
	case s.Arch == "seq_regressor" && s.SeqRegressor != nil:
		return s.SeqRegressor.Tokens * s.SeqRegressor.TokenDim, s.SeqRegressor.Out, nil
	case s.Arch == "temporal_value" && s.TemporalValue != nil:
		c, err := s.TemporalValue.withDefaults()
		if err != nil {
			return 0, 0, err
		}
		return c.Horizon*c.Transition + 1, c.Out, nil
	case s.IsRegressor():
		return 0, 0, fmt.Errorf("nn: spec %q without its [network.%s] configuration", s.Arch, s.Arch)
	}
	return 0, 0, fmt.Errorf("nn: architecture %q is not a regressor (want regressor, seq_regressor or temporal_value)", s.Arch)
}

// NewRegressor builds the regressor the spec names with parameters of dtype dt initialised from seed.
func (s Spec) NewRegressor(dt tensor.Dtype, seed uint64) (Regressor, error) {
	if _, _, err := s.RegressorIO(); err != nil {
		return nil, err
	}
	var (
		r   Regressor
		err error
	)
	switch s.Arch {
	case "seq_regressor":
		r, err = NewSeqRegressor(*s.SeqRegressor, dt)
	case "temporal_value":
		r, err = NewTemporalValue(*s.TemporalValue, dt)
	default:
		r, err = NewRegressorMLP(*s.Regressor, dt)
	}
	if err != nil {
		return nil, err
	}
	r.Params().Init(seed)
	return r, nil
}

// RegressionGraph is a regressor's training step as one gorgonia graph for a fixed batch size: inputs x
// [B, In], target [B, Out] and weight [B] (1 unless set), the loss mean_b w_b ||f(x_b) - target_b||^2 / Out
// (with unit weights the mean squared error over all outputs), and its symbolic gradient with respect to
// every learnable parameter. It is used like TrainGraph: fill the inputs, Run, pass ValueGrads to a
// solver. A RegressionGraph is not safe for concurrent use.
type RegressionGraph struct {
	net    Regressor
	opt    TrainOptions
	b      *Builder
	m      G.VM
	x      *G.Node
	target *G.Node
	weight *G.Node
	out    *G.Node
	loss   *G.Node
	params []*Param
	learn  G.Nodes
}

// NewRegressionGraph builds the training graph of net for opt.Batch examples (opt.CondDropout and
// ManualKeep do not apply: a regressor has no condition; Seed keys dropout should an architecture have it).
func NewRegressionGraph(net Regressor, opt TrainOptions) (*RegressionGraph, error) {
	if opt.Batch <= 0 {
		return nil, fmt.Errorf("nn: training batch size %d must be positive", opt.Batch)
	}
	if opt.CondDropout != 0 {
		return nil, fmt.Errorf("nn: a regressor has no condition to drop (condition dropout %v)", opt.CondDropout)
	}
	rg := &RegressionGraph{net: net, opt: opt}
	b := NewBuilder(net.Params().Dtype(), true)
	rg.b = b
	B := opt.Batch
	rg.x = b.Input("x", B, net.In())
	rg.target = b.Input("target", B, net.Out())
	rg.weight = b.Input("weight", B)
	rg.out = net.Forward(b, rg.x)
	rg.loss = b.WeightedMSE(rg.out, rg.target, rg.weight)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("nn: build regression graph: %w", err)
	}
	var err error
	if rg.params, rg.learn, rg.m, err = b.differentiate(rg.loss, net.Params(), "regression"); err != nil {
		return nil, err
	}
	if b.dt == tensor.Float32 {
		for i := range data[float32](rg.weight.Value()) {
			data[float32](rg.weight.Value())[i] = 1
		}
	} else {
		for i := range data[float64](rg.weight.Value()) {
			data[float64](rg.weight.Value())[i] = 1
		}
	}
	return rg, nil
}

// Batch is the graph's batch size.
func (rg *RegressionGraph) Batch() int { return rg.opt.Batch }

// Net is the regressor the graph trains.
func (rg *RegressionGraph) Net() Regressor { return rg.net }

// Float32 views of the inputs of a float32 graph, to be filled in place: X [B, In], Target [B, Out],
// Weight [B] (weights start at 1).
func (rg *RegressionGraph) X() []float32      { return view32(rg.x) }
func (rg *RegressionGraph) Target() []float32 { return view32(rg.target) }
func (rg *RegressionGraph) Weight() []float32 { return view32(rg.weight) }

// SetExample writes example i of the batch: In input values and Out target values, weight 1.
func (rg *RegressionGraph) SetExample(i int, input, target []float64) error {
	if i < 0 || i >= rg.opt.Batch {
		return fmt.Errorf("nn: example %d outside the batch of %d", i, rg.opt.Batch)
	}
	if len(input) != rg.net.In() || len(target) != rg.net.Out() {
		return fmt.Errorf("nn: example %d: input %d and target %d values, want %d and %d", i, len(input), len(target), rg.net.In(), rg.net.Out())
	}
	if err := finite(input, target); err != nil {
		return fmt.Errorf("nn: example %d: %w", i, err)
	}
	if rg.b.dt == tensor.Float32 {
		setRow(data[float32](rg.x.Value()), i, input)
		setRow(data[float32](rg.target.Value()), i, target)
		data[float32](rg.weight.Value())[i] = 1
		return nil
	}
	setRow(data[float64](rg.x.Value()), i, input)
	setRow(data[float64](rg.target.Value()), i, target)
	data[float64](rg.weight.Value())[i] = 1
	return nil
}

// Run evaluates the loss of the current batch and adds its gradient into the parameters' gradients;
// step keys dropout's masks.
func (rg *RegressionGraph) Run(step uint64) (float64, error) {
	rg.b.SetStep(rg.opt.Seed, step)
	rg.m.Reset()
	if err := rg.m.RunAll(); err != nil {
		return 0, fmt.Errorf("nn: training step %d: %w", step, err)
	}
	loss, err := scalar(rg.loss.Value())
	if err != nil {
		return 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("nn: training step %d: loss is %v", step, loss)
	}
	return loss, nil
}

// Params are the learnable parameters the graph uses, in state_dict order (the order of ValueGrads).
func (rg *RegressionGraph) Params() []*Param { return rg.params }

// Learnables are the parameter nodes, in the order of Params.
func (rg *RegressionGraph) Learnables() G.Nodes { return rg.learn }

// ValueGrads is the argument of a gorgonia.Solver's Step.
func (rg *RegressionGraph) ValueGrads() []G.ValueGrad { return G.NodesToValueGrads(rg.learn) }

// Output is the network's prediction node (its value after Run is the batch's prediction).
func (rg *RegressionGraph) Output() *G.Node { return rg.out }

// Grad returns the accumulated gradient of learnable parameter i (nil before the first Run).
func (rg *RegressionGraph) Grad(i int) *tensor.Dense { return gradOf(rg.learn[i]) }

// GradNorm is the Euclidean norm of all accumulated gradients.
func (rg *RegressionGraph) GradNorm() float64 { return gradNorm(rg.learn) }

// ZeroGrad clears the accumulated gradients (solvers do it after their update).
func (rg *RegressionGraph) ZeroGrad() { zeroGrads(rg.learn) }

// Close releases the machine.
func (rg *RegressionGraph) Close() error { return rg.m.Close() }

// RegressorPredictor is the inference path of a regressor: float64 in and out for any batch size, one
// compiled forward graph per recently used batch size. It reads the parameters live and is safe for
// concurrent use (calls are serialised).
type RegressorPredictor struct {
	net    Regressor
	mu     sync.Mutex
	graphs map[int]*regGraph
	order  []int // least recently used first
}

type regGraph struct {
	m    G.VM
	x, y *G.Node
}

// NewRegressorPredictor returns the inference path of net, caching graphs for up to 4 batch sizes.
func NewRegressorPredictor(net Regressor) *RegressorPredictor {
	return &RegressorPredictor{net: net, graphs: map[int]*regGraph{}}
}

// Net is the predicted regressor.
func (p *RegressorPredictor) Net() Regressor { return p.net }

// Predict writes f(x) into dst for x of B*In values (B >= 1) and dst of B*Out values.
func (p *RegressorPredictor) Predict(dst, x []float64) error {
	I, O := p.net.In(), p.net.Out()
	if len(x) == 0 || len(x)%I != 0 || len(dst) != len(x)/I*O {
		return fmt.Errorf("nn: predict: len(x) %d must be a positive multiple of %d and len(dst) %d the matching multiple of %d", len(x), I, len(dst), O)
	}
	if err := finite(x); err != nil {
		return fmt.Errorf("nn: predict: %w", err)
	}
	B := len(x) / I
	p.mu.Lock()
	defer p.mu.Unlock()
	g, err := p.graph(B)
	if err != nil {
		return err
	}
	if p.net.Params().Dtype() == tensor.Float32 {
		setRow(data[float32](g.x.Value()), 0, x)
	} else {
		setRow(data[float64](g.x.Value()), 0, x)
	}
	g.m.Reset()
	if err := g.m.RunAll(); err != nil {
		return fmt.Errorf("nn: predict: %w", err)
	}
	readOutput(dst, g.y, p.net.Params().Dtype())
	return nil
}

func (p *RegressorPredictor) graph(B int) (*regGraph, error) {
	if g, ok := p.graphs[B]; ok {
		if i := slices.Index(p.order, B); i >= 0 {
			p.order = append(slices.Delete(p.order, i, i+1), B)
		}
		return g, nil
	}
	b := NewBuilder(p.net.Params().Dtype(), false)
	g := &regGraph{x: b.Input("x", B, p.net.In())}
	g.y = p.net.Forward(b, g.x)
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("nn: build inference graph for batch %d: %w", B, err)
	}
	g.m = G.NewTapeMachine(b.G)
	if len(p.order) >= 4 {
		old := p.order[0]
		p.graphs[old].m.Close()
		delete(p.graphs, old)
		p.order = p.order[1:]
	}
	p.graphs[B] = g
	p.order = append(p.order, B)
	return g, nil
}
