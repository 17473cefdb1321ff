package nn

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
	"github.com/trajdiff/trajdiff/nn/safetensors"
)

// AdamConfig configures Adam (Kingma & Ba 2015) with decoupled weight decay (AdamW, Loshchilov & Hutter
// 2019) and optional global gradient-norm clipping.
type AdamConfig struct {
	LR          float64 // learning rate
	Beta1       float64 // default 0.9
	Beta2       float64 // default 0.999
	Eps         float64 // default 1e-8
	WeightDecay float64 // decoupled: p -= LR WeightDecay p before the update
	ClipNorm    float64 // if > 0, gradients are scaled to global norm <= ClipNorm (torch's clip_grad_norm_)
}

// Adam is a gorgonia.Solver whose update is one fused pass per parameter over (p, g, m, v), in the
// parameter's own precision, following PyTorch's Adam step:
//
//	m = b1 m + (1-b1) g,  v = b2 v + (1-b2) g^2,  p -= (lr/(1-b1^t)) m / (sqrt(v)/sqrt(1-b2^t) + eps),
//
// and then zeroes the gradient, as gorgonia's solvers do. The moments are kept per position of the
// ValueGrad list, which must be the same list every step (TrainGraph.ValueGrads).
type Adam struct {
	cfg  AdamConfig
	step int
	m, v []*tensor.Dense
}

// NewAdam returns an Adam solver; zero Beta1, Beta2 and Eps take PyTorch's defaults.
func NewAdam(cfg AdamConfig) (*Adam, error) {
	if cfg.Beta1 == 0 {
		cfg.Beta1 = 0.9
	}
	if cfg.Beta2 == 0 {
		cfg.Beta2 = 0.999
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-8
	}
	if !(cfg.LR > 0) || cfg.Beta1 < 0 || cfg.Beta1 >= 1 || cfg.Beta2 < 0 || cfg.Beta2 >= 1 || cfg.Eps < 0 || cfg.WeightDecay < 0 || cfg.ClipNorm < 0 {
		return nil, fmt.Errorf("nn: Adam config %+v: need LR > 0, betas in [0, 1), non-negative eps, weight decay and clip norm", cfg)
	}
	return &Adam{cfg: cfg}, nil
}

// SetLR changes the learning rate (schedules).
func (a *Adam) SetLR(lr float64) { a.cfg.LR = lr }

// Steps is the number of updates taken.
func (a *Adam) Steps() int { return a.step }

// Step implements gorgonia.Solver.
func (a *Adam) Step(model []G.ValueGrad) error {
	ws := make([]*tensor.Dense, len(model))
	gs := make([]*tensor.Dense, len(model))
	var norm2 float64
	for i, vg := range model {
		g, err := vg.Grad()
		if err != nil {
			return fmt.Errorf("nn: Adam: parameter %d: %w", i, err)
		}
		w, ok1 := vg.Value().(*tensor.Dense)
		gd, ok2 := g.(*tensor.Dense)
		if !ok1 || !ok2 || !w.Shape().Eq(gd.Shape()) || w.Dtype() != gd.Dtype() {
			return fmt.Errorf("nn: Adam: parameter %d: value %T and gradient %T are not matching dense tensors", i, vg.Value(), g)
		}
		ws[i], gs[i] = w, gd
		if a.cfg.ClipNorm > 0 {
			if w.Dtype() == tensor.Float32 {
				norm2 += kern.SumSquares(data[float32](gd))
			} else {
				norm2 += kern.SumSquares(data[float64](gd))
			}
		}
	}
	if a.m == nil {
		a.m, a.v = make([]*tensor.Dense, len(model)), make([]*tensor.Dense, len(model))
		for i, w := range ws {
			a.m[i] = tensor.New(tensor.WithShape(w.Shape().Clone()...), tensor.Of(w.Dtype()))
			a.v[i] = tensor.New(tensor.WithShape(w.Shape().Clone()...), tensor.Of(w.Dtype()))
		}
	}
	if len(a.m) != len(model) {
		return fmt.Errorf("nn: Adam: %d parameters, the solver was started with %d", len(model), len(a.m))
	}
	if math.IsNaN(norm2) || math.IsInf(norm2, 0) {
		return fmt.Errorf("nn: Adam: non-finite gradient norm")
	}
	clip := 1.0
	if a.cfg.ClipNorm > 0 {
		if n := math.Sqrt(norm2); n > a.cfg.ClipNorm {
			clip = a.cfg.ClipNorm / (n + 1e-6)
		}
	}
	a.step++
	c := kern.AdamCoef{
		B1: a.cfg.Beta1, B2: a.cfg.Beta2, Eps: a.cfg.Eps, Clip: clip,
		StepSize: a.cfg.LR / (1 - math.Pow(a.cfg.Beta1, float64(a.step))),
		InvBC2:   1 / math.Sqrt(1-math.Pow(a.cfg.Beta2, float64(a.step))),
		Decay:    1 - a.cfg.LR*a.cfg.WeightDecay,
	}
	for i, w := range ws {
		if !a.m[i].Shape().Eq(w.Shape()) {
			return fmt.Errorf("nn: Adam: parameter %d has shape %v, its moments %v", i, w.Shape(), a.m[i].Shape())
		}
		if w.Dtype() == tensor.Float32 {
			kern.AdamUpdate(data[float32](w), data[float32](gs[i]), data[float32](a.m[i]), data[float32](a.v[i]), c)
		} else {
			kern.AdamUpdate(data[float64](w), data[float64](gs[i]), data[float64](a.m[i]), data[float64](a.v[i]), c)
		}
	}
	return nil
}

// State returns the step count and the first and second moments, in ValueGrad order (for checkpoints);
// nil before the first step.
func (a *Adam) State() (step int, m, v []*tensor.Dense) { return a.step, a.m, a.v }

// SetState restores a checkpointed state; the moments must match the parameters' shapes at the next Step.
func (a *Adam) SetState(step int, m, v []*tensor.Dense) error {
	if step < 0 || len(m) != len(v) {
		return fmt.Errorf("nn: Adam state: step %d with %d and %d moments", step, len(m), len(v))
	}
	for i := range m {
		if !m[i].Shape().Eq(v[i].Shape()) || m[i].Dtype() != v[i].Dtype() {
			return fmt.Errorf("nn: Adam state: moment %d shapes %v and %v differ", i, m[i].Shape(), v[i].Shape())
		}
	}
	a.step, a.m, a.v = step, m, v
	if len(m) == 0 {
		a.m, a.v = nil, nil
	}
	return nil
}

// StateTensors returns the optimiser state for a checkpoint: "adam.m.<name>" and "adam.v.<name>" for each
// parameter (params in ValueGrad order, as TrainGraph.Params gives them; moments in the parameters' stored
// layout) and "adam.step". Nil before the first step.
func (a *Adam) StateTensors(params []*Param) ([]safetensors.Tensor, error) {
	if a.m == nil {
		return nil, nil
	}
	if len(params) != len(a.m) {
		return nil, fmt.Errorf("nn: Adam state: %d parameters for %d moments", len(params), len(a.m))
	}
	var ts []safetensors.Tensor
	for i, p := range params {
		for _, mv := range []struct {
			prefix string
			d      *tensor.Dense
		}{{"adam.m.", a.m[i]}, {"adam.v.", a.v[i]}} {
			if mv.d.Dtype() == tensor.Float32 {
				ts = append(ts, safetensors.F32(mv.prefix+p.Name, mv.d.Shape(), data[float32](mv.d)))
			} else {
				ts = append(ts, safetensors.F64(mv.prefix+p.Name, mv.d.Shape(), data[float64](mv.d)))
			}
		}
	}
	ts = append(ts, safetensors.F64("adam.step", []int{1}, []float64{float64(a.step)}))
	return ts, nil
}

// SetStateTensors restores a state written by StateTensors for the same parameters.
func (a *Adam) SetStateTensors(params []*Param, ts []safetensors.Tensor) error {
	byName := safetensors.Map(ts)
	st, ok := byName["adam.step"]
	if !ok {
		return fmt.Errorf("nn: Adam state: no adam.step tensor")
	}
	sv, err := st.Float64s()
	if err != nil || len(sv) != 1 || sv[0] < 0 || sv[0] != math.Trunc(sv[0]) {
		return fmt.Errorf("nn: Adam state: bad adam.step %v (%v)", sv, err)
	}
	m, v := make([]*tensor.Dense, len(params)), make([]*tensor.Dense, len(params))
	for i, p := range params {
		for j, prefix := range []string{"adam.m.", "adam.v."} {
			t, ok := byName[prefix+p.Name]
			if !ok {
				return fmt.Errorf("nn: Adam state: missing %s%s", prefix, p.Name)
			}
			if !sameShape(t.Shape, p.Shape) {
				return fmt.Errorf("nn: Adam state: %s%s has shape %v, want %v", prefix, p.Name, t.Shape, p.Shape)
			}
			vals, err := t.Float64s()
			if err != nil {
				return fmt.Errorf("nn: Adam state: %w", err)
			}
			d := tensor.New(tensor.WithShape(p.Shape...), tensor.Of(p.Value.Dtype()))
			for k, x := range vals {
				if math.IsNaN(x) || math.IsInf(x, 0) || (j == 1 && x < 0) {
					return fmt.Errorf("nn: Adam state: %s%s[%d] = %v", prefix, p.Name, k, x)
				}
				if d.Dtype() == tensor.Float32 {
					data[float32](d)[k] = float32(x)
				} else {
					data[float64](d)[k] = x
				}
			}
			if j == 0 {
				m[i] = d
			} else {
				v[i] = d
			}
		}
	}
	return a.SetState(int(sv[0]), m, v)
}
