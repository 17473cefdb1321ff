package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gradCase is a graph under a finite-difference check: build receives one node per entry of shapes
// (float64 learnable parameters filled with N(0, 1) values, or data inputs where data[i] is set) and
// returns the output whose quadratic loss is differentiated.
type gradCase struct {
	name   string
	shapes [][]int
	data   []bool // inputs that are data (no gradient check), e.g. masks
	fill   func(i int, v []float64)
	build  func(b *Builder, in []*G.Node) *G.Node
}

// checkGrads compares the analytic gradient of L = mean (out - target)^2 with respect to every learnable
// input against central differences in float64.
func checkGrads(t *testing.T, c gradCase) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, uint64(len(c.name))))
	ps := newParams(tensor.Float64)
	params := make([]*Param, len(c.shapes))
	for i, s := range c.shapes {
		learn := c.data == nil || !c.data[i]
		params[i] = ps.add(c.name+string(rune('a'+i)), learn, constant(0), s...)
		v := params[i].Float64s()
		for j := range v {
			v[j] = rng.NormFloat64()
		}
		if c.fill != nil {
			c.fill(i, v)
		}
	}
	b := NewBuilder(tensor.Float64, true)
	b.SetStep(3, 5)
	in := make([]*G.Node, len(params))
	for i, p := range params {
		in[i] = b.Param(p)
	}
	out := c.build(b, in)
	if b.Err() != nil {
		t.Fatalf("%s: build: %v", c.name, b.Err())
	}
	B := out.Shape()[0]
	target := b.Input("target", out.Shape()...)
	w := b.Input("w", B)
	tv := data[float64](target.Value())
	for j := range tv {
		tv[j] = rng.NormFloat64()
	}
	wv := data[float64](w.Value())
	for j := range wv {
		wv[j] = 0.5 + rng.Float64()
	}
	loss := b.WeightedMSE(out, target, w)
	b.SetStep(3, 5)
	if b.Err() != nil {
		t.Fatalf("%s: loss: %v", c.name, b.Err())
	}
	lps, learn := b.Learnables()
	if _, err := G.Grad(loss, learn...); err != nil {
		t.Fatalf("%s: grad: %v", c.name, err)
	}
	m := G.NewTapeMachine(b.G, G.BindDualValues(learn...))
	defer m.Close()
	eval := func() float64 {
		m.Reset()
		if err := m.RunAll(); err != nil {
			t.Fatalf("%s: run: %v", c.name, err)
		}
		v, err := scalar(loss.Value())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	eval()
	grads := make([][]float64, len(learn))
	for i, n := range learn {
		g, err := n.Grad()
		if err != nil {
			t.Fatalf("%s: no gradient for %s: %v", c.name, lps[i].Name, err)
		}
		grads[i] = append([]float64(nil), data[float64](g)...)
	}
	const h = 1e-6
	for i, p := range lps {
		v := p.Float64s()
		idx := rng.Perm(len(v))
		if len(idx) > 24 {
			idx = idx[:24]
		}
		for _, j := range idx {
			old := v[j]
			v[j] = old + h
			lp := eval()
			v[j] = old - h
			lm := eval()
			v[j] = old
			num := (lp - lm) / (2 * h)
			got := grads[i][j]
			if math.Abs(got-num) > 1e-6+1e-5*math.Abs(num) {
				t.Errorf("%s: d/d %s[%d]: analytic %.10g, finite difference %.10g", c.name, p.Name, j, got, num)
			}
		}
	}
}

func TestGradLinearActs(t *testing.T) {
	for _, act := range []Activation{Mish, SiLU, GELU, ReLU} {
		checkGrads(t, gradCase{name: "linear-" + act.String(), shapes: [][]int{{3, 4, 5}, {6, 5}, {6}},
			build: func(b *Builder, in []*G.Node) *G.Node {
				return b.Act(b.Linear(in[0], in[1], in[2]), act)
			}})
	}
	checkGrads(t, gradCase{name: "linear-nobias", shapes: [][]int{{7, 5}, {3, 5}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Linear(in[0], in[1], nil) }})
}

func TestGradMishLargeArguments(t *testing.T) {
	checkGrads(t, gradCase{name: "mish-range", shapes: [][]int{{4, 16}},
		fill: func(_ int, v []float64) {
			for j := range v {
				v[j] = -30 + 60*float64(j)/float64(len(v))
			}
		},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(in[0], Mish) }})
}

func TestGradElementwise(t *testing.T) {
	checkGrads(t, gradCase{name: "add", shapes: [][]int{{2, 3, 4}, {2, 3, 4}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.Add(in[0], in[1]), SiLU) }})
	checkGrads(t, gradCase{name: "addrows", shapes: [][]int{{2, 3, 4}, {2, 4}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.AddRows(in[0], in[1]), Mish) }})
	checkGrads(t, gradCase{name: "concat", shapes: [][]int{{2, 3, 4}, {2, 3, 2}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.Concat(in[0], in[1]), Mish) }})
	checkGrads(t, gradCase{name: "rowscale", shapes: [][]int{{3, 5}, {3}}, data: []bool{false, true},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.RowScale(in[0], in[1]) }})
	checkGrads(t, gradCase{name: "dropout", shapes: [][]int{{4, 50}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Dropout(in[0], 0.3) }})
}

func TestGradConv(t *testing.T) {
	type conv1 struct{ L, cin, cout, k, s, p, d int }
	for _, c := range []conv1{{9, 3, 4, 5, 1, 2, 1}, {8, 3, 2, 3, 2, 1, 1}, {10, 2, 3, 3, 1, 2, 2}, {6, 4, 3, 1, 1, 0, 1}} {
		checkGrads(t, gradCase{name: "conv1d", shapes: [][]int{{2, c.L, c.cin}, {c.cout, c.k, c.cin}, {c.cout}},
			build: func(b *Builder, in []*G.Node) *G.Node { return b.Conv1d(in[0], in[1], in[2], c.s, c.p, c.d) }})
	}
	type convT1 struct{ L, cin, cout, k, s, p, op, d int }
	for _, c := range []convT1{{5, 3, 4, 4, 2, 1, 0, 1}, {4, 2, 3, 3, 2, 1, 1, 1}, {5, 2, 2, 3, 1, 1, 0, 2}} {
		checkGrads(t, gradCase{name: "convT1d", shapes: [][]int{{2, c.L, c.cin}, {c.cin, c.k, c.cout}, {c.cout}},
			build: func(b *Builder, in []*G.Node) *G.Node {
				return b.ConvTranspose1d(in[0], in[1], in[2], c.s, c.p, c.op, c.d)
			}})
	}
	checkGrads(t, gradCase{name: "conv2d", shapes: [][]int{{2, 5, 6, 3}, {4, 3, 2, 3}, {4}},
		build: func(b *Builder, in []*G.Node) *G.Node {
			return b.Conv2d(in[0], in[1], in[2], [2]int{2, 1}, [2]int{1, 1}, [2]int{1, 2})
		}})
	checkGrads(t, gradCase{name: "convT2d", shapes: [][]int{{2, 3, 4, 3}, {3, 4, 3, 2}, {2}},
		build: func(b *Builder, in []*G.Node) *G.Node {
			return b.ConvTranspose2d(in[0], in[1], in[2], [2]int{2, 1}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1})
		}})
}

func TestGradNorm(t *testing.T) {
	for _, act := range []Activation{Identity, Mish, SiLU} {
		checkGrads(t, gradCase{name: "groupnorm-" + act.String(), shapes: [][]int{{2, 5, 8}, {8}, {8}},
			build: func(b *Builder, in []*G.Node) *G.Node { return b.GroupNorm(in[0], in[1], in[2], 4, 1e-5, act) }})
	}
	checkGrads(t, gradCase{name: "layernorm", shapes: [][]int{{3, 4, 6}, {6}, {6}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.LayerNorm(in[0], in[1], in[2], 1e-5) }})
	checkGrads(t, gradCase{name: "layernorm-plain", shapes: [][]int{{5, 6}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.LayerNorm(in[0], nil, nil, 1e-6) }})
}

func TestGradAttention(t *testing.T) {
	checkGrads(t, gradCase{name: "attention", shapes: [][]int{{2, 5, 12}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Attention(in[0], 2, false, nil) }})
	checkGrads(t, gradCase{name: "attention-causal", shapes: [][]int{{2, 5, 18}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Attention(in[0], 3, true, nil) }})
	checkGrads(t, gradCase{name: "attention-mask", shapes: [][]int{{2, 5, 12}, {2, 5}}, data: []bool{false, true},
		fill: func(i int, v []float64) {
			if i == 1 {
				for j := range v {
					v[j] = float64(j % 3 % 2)
				}
			}
		},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Attention(in[0], 2, false, in[1]) }})
}

func TestGradAdaLN(t *testing.T) {
	checkGrads(t, gradCase{name: "modulate", shapes: [][]int{{2, 3, 4}, {2, 12}},
		build: func(b *Builder, in []*G.Node) *G.Node {
			return b.Modulate(in[0], in[1], Chunk{E: 12, Off: 0}, Chunk{E: 12, Off: 8})
		}})
	checkGrads(t, gradCase{name: "gatedadd", shapes: [][]int{{2, 3, 4}, {2, 3, 4}, {2, 12}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.GatedAdd(in[0], in[1], in[2], Chunk{E: 12, Off: 4}) }})
}

func TestGradAddBias(t *testing.T) {
	checkGrads(t, gradCase{name: "addbias", shapes: [][]int{{2, 3, 4}, {3, 4}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.AddBias(in[0], in[1]), Mish) }})
}
