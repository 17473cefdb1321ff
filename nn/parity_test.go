package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/safetensors"
)

// The reference vectors in testdata/parity come from PyTorch 1.13 (scripts/nn/parity.py): the same
// architectures with the same weights must give the same outputs, loss and gradients in float32.
const parityTol = 1e-4

// adamNoiseFloor is the gradient magnitude below which one Adam step is not compared (see TestParityNetworks).
const adamNoiseFloor = 1e-6

func readIO(t *testing.T, name string) (map[string][]float32, map[string][]int, map[string]any) {
	t.Helper()
	ts, meta, err := safetensors.ReadFile(filepath.Join("testdata", "parity", name+".io.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	vals, shapes := map[string][]float32{}, map[string][]int{}
	for _, x := range ts {
		v, err := x.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		vals[x.Name], shapes[x.Name] = v, x.Shape
	}
	var spec map[string]any
	if err := json.Unmarshal([]byte(meta["spec"]), &spec); err != nil {
		t.Fatal(err)
	}
	return vals, shapes, spec
}

// maxAbsDiff returns the largest |a_i - b_i| (Inf on a length mismatch).
func maxAbsDiff[T Float](a []T, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

func TestParityNetworks(t *testing.T) {
	for _, name := range []string{"mlp", "mlp_cond", "unet", "unet_cond", "transformer", "transformer_fourier", "egtn", "egtn_com", "egtn_uncond", "unet2d", "unet2d_plain", "unet3d", "unet3d_k7", "unet_nearest"} {
		t.Run(name, func(t *testing.T) {
			io, shapes, _ := readIO(t, name)
			wpath := filepath.Join("testdata", "parity", name+".weights.safetensors")
			_, meta, err := safetensors.ReadFile(wpath)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := ParseSpec([]byte(meta["spec"]))
			if err != nil {
				t.Fatal(err)
			}
			net, err := newParityNet(spec)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := net.Params().Load(wpath); err != nil {
				t.Fatal(err)
			}
			B := shapes["in.x"][0]
			tg, err := NewTrainGraph(net, TrainOptions{Batch: B, ManualKeep: true})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			copy(tg.X(), io["in.x"])
			copy(tg.T(), io["in.t"])
			copy(tg.Target(), io["in.target"])
			copy(tg.Weight(), io["in.weight"])
			if net.CondDim() > 0 {
				copy(tg.Cond(), io["in.cond"])
				copy(tg.Keep(), io["in.keep"])
			}
			loss, err := tg.Run(0)
			if err != nil {
				t.Fatal(err)
			}
			dOut := maxAbsDiff(data[float32](tg.Output().Value()), io["out.y"])
			if dOut > parityTol {
				t.Errorf("output differs from PyTorch by %.3g", dOut)
			}
			if d := math.Abs(loss - float64(io["out.loss"][0])); d > parityTol {
				t.Errorf("loss %v, PyTorch %v", loss, io["out.loss"][0])
			}
			worst, worstName := 0.0, ""
			for i, p := range tg.Params() {
				ref, ok := io["grad."+p.Name]
				if !ok {
					t.Fatalf("no PyTorch gradient for %s", p.Name)
				}
				if d := maxAbsDiff(torchLayout(p, data[float32](tg.Grad(i))), ref); d > worst {
					worst, worstName = d, p.Name
				}
			}
			if worst > parityTol {
				t.Errorf("gradient of %s differs from PyTorch by %.3g", worstName, worst)
			}
			t.Logf("%d parameters; output difference %.2g, worst gradient difference %.2g (%s)", net.Params().Count(), dOut, worst, worstName)
			// Predictor (inference path) on the same inputs, for unconditional rows or with the condition.
			if _, ok := io["adam."+tg.Params()[0].Name]; ok {
				opt, _ := NewAdam(AdamConfig{LR: 1e-3})
				if err := opt.Step(tg.ValueGrads()); err != nil {
					t.Fatal(err)
				}
				// Adam's first step is lr g / (|g| + 1e-8): for a gradient at float32 rounding level it is
				// lr times the sign of rounding noise. EGTN has such structurally zero gradients (the bias
				// of k_mlp's last layer and the parts of time_emb that shift a whole softmax row, which the
				// softmax ignores), so elements whose PyTorch gradient is below adamNoiseFloor are skipped.
				skipped := 0
				for _, p := range tg.Params() {
					got, ref, g := torchLayout(p, p.Float32s()), io["adam."+p.Name], io["grad."+p.Name]
					d := 0.0
					for j := range ref {
						if math.Abs(float64(g[j])) < adamNoiseFloor {
							skipped++
							continue
						}
						d = math.Max(d, math.Abs(float64(got[j])-float64(ref[j])))
					}
					if len(got) != len(ref) || d > 1e-6 {
						t.Errorf("Adam step: %s differs from torch.optim.Adam by %.3g", p.Name, d)
					}
				}
				if skipped > 0 {
					t.Logf("Adam step: %d elements with |gradient| < %g not compared", skipped, adamNoiseFloor)
				}
			}
		})
	}
}

// TestParityPredictor checks the inference path against PyTorch's output for the conditional networks,
// evaluating kept and dropped rows through Conditional and Predict.
func TestParityPredictor(t *testing.T) {
	for _, name := range []string{"unet", "unet_cond", "transformer", "egtn", "egtn_com", "egtn_uncond", "unet2d", "unet3d"} {
		io, shapes, _ := readIO(t, name)
		wpath := filepath.Join("testdata", "parity", name+".weights.safetensors")
		_, meta, _ := safetensors.ReadFile(wpath)
		spec, _ := ParseSpec([]byte(meta["spec"]))
		net, err := newParityNet(spec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := net.Params().Load(wpath); err != nil {
			t.Fatal(err)
		}
		p := NewPredictor(net)
		B, D, C := shapes["in.x"][0], net.Dim(), net.CondDim()
		for b := 0; b < B; b++ {
			x := f64(io["in.x"][b*D : (b+1)*D])
			tm := float64(io["in.t"][b])
			got := make([]float64, D)
			var err error
			if C > 0 && io["in.keep"][b] == 1 {
				err = p.Conditional(f64(io["in.cond"][b*C:(b+1)*C])).Predict(got, x, tm)
			} else {
				err = p.Predict(got, x, tm)
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(got, io["out.y"][b*D:(b+1)*D]); d > parityTol {
				t.Errorf("%s example %d: predictor differs from PyTorch by %.3g", name, b, d)
			}
		}
	}
}

// newParityNet builds a reference case's network in float32; a SignalUser (EGTN with a prior) gets the
// signal coefficient alpha(t) = exp(-t) that the PyTorch twin uses (scripts/nn/models.py).
func newParityNet(spec Spec) (Net, error) {
	net, err := spec.New(tensor.Float32, 0)
	if su, ok := net.(SignalUser); ok && err == nil {
		su.UseSignal(func(t float64) float64 { return math.Exp(-t) })
	}
	return net, err
}

// torchLayout returns values of p's layout (a value or a gradient) in state_dict layout.
func torchLayout(p *Param, v []float32) []float32 {
	if p.TorchShape == nil {
		return v
	}
	q := &Param{Shape: p.Shape, TorchShape: p.TorchShape, Value: tensor.New(tensor.WithShape(p.Shape...), tensor.Of(tensor.Float32))}
	copy(q.Float32s(), v)
	out := make([]float64, len(v))
	q.toTorch(out)
	res := make([]float32, len(v))
	for i, x := range out {
		res[i] = float32(x)
	}
	return res
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// TestParityLayers checks single layers (convolutions with stride, padding, dilation and output padding,
// 2-D convolutions, norms, activations, masked attention) against PyTorch, with the gradient of the
// input and of the weights.
func TestParityLayers(t *testing.T) {
	for _, name := range []string{"conv1d", "convT1d", "upsample1d", "conv2d", "convT2d", "groupnorm_silu", "layernorm", "gelu", "mish", "attention"} {
		t.Run(name, func(t *testing.T) {
			io, shapes, spec := readIO(t, name)
			ps := newParams(tensor.Float32)
			var x, w, bias *Param
			mk := func(key string, learn bool) *Param {
				if _, ok := io["in."+key]; !ok {
					return nil
				}
				p := ps.add(key, learn, constant(0), shapes["in."+key]...)
				copy(p.Float32s(), io["in."+key])
				return p
			}
			if _, ok := io["in.x"]; ok {
				x = mk("x", true)
			} else {
				x = mk("qkv", true)
			}
			if op := spec["op"].(string); strings.HasPrefix(op, "conv") {
				w = ps.addTapMajor("weight", constant(0), shapes["in.weight"]...)
				w.fromTorch(f64(io["in.weight"]))
			} else {
				w = mk("weight", true)
			}
			bias = mk("bias", true)
			mask := mk("mask", false)
			b := NewBuilder(tensor.Float32, true)
			xn, wn, bn := b.Param(x), b.Param(w), b.Param(bias)
			ints := func(k string) [2]int {
				v := spec[k].([]any)
				return [2]int{int(v[0].(float64)), int(v[1].(float64))}
			}
			num := func(k string) int { return int(spec[k].(float64)) }
			var y *G.Node
			switch spec["op"] {
			case "conv1d":
				y = b.Conv1d(xn, wn, bn, num("stride"), num("padding"), num("dilation"))
			case "convT1d":
				y = b.ConvTranspose1d(xn, wn, bn, num("stride"), num("padding"), num("output_padding"), num("dilation"))
			case "conv2d":
				y = b.Conv2d(xn, wn, bn, ints("stride"), ints("padding"), ints("dilation"))
			case "convT2d":
				y = b.ConvTranspose2d(xn, wn, bn, ints("stride"), ints("padding"), ints("output_padding"), ints("dilation"))
			case "groupnorm":
				pre := spec["prescale"].([]any)
				xs := b.affineConst(xn, pre[0].(float64), pre[1].(float64))
				y = b.GroupNorm(xs, wn, bn, num("groups"), 1e-5, SiLU)
			case "layernorm":
				y = b.LayerNorm(xn, wn, bn, 1e-5)
			case "gelu":
				y = b.Act(b.affineConst(xn, spec["prescale"].(float64), 0), GELU)
			case "mish":
				y = b.Act(b.affineConst(xn, spec["prescale"].(float64), 0), Mish)
			case "attention":
				y = b.Attention(xn, num("heads"), spec["causal"].(bool), b.Param(mask))
			default:
				t.Fatalf("unknown op %v", spec["op"])
			}
			if b.Err() != nil {
				t.Fatal(b.Err())
			}
			target, wt := b.Input("target", shapes["in.target"]...), b.Input("w", shapes["in.lossweight"]...)
			copy(data[float32](target.Value()), io["in.target"])
			copy(data[float32](wt.Value()), io["in.lossweight"])
			loss := b.WeightedMSE(y, target, wt)
			if b.Err() != nil {
				t.Fatal(b.Err())
			}
			lps, learn := b.Learnables()
			if _, err := G.Grad(loss, learn...); err != nil {
				t.Fatal(err)
			}
			m := G.NewTapeMachine(b.G, G.BindDualValues(learn...))
			defer m.Close()
			if err := m.RunAll(); err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(data[float32](y.Value()), io["out.y"]); d > parityTol {
				t.Errorf("output differs from PyTorch by %.3g", d)
			}
			for i, p := range lps {
				g, _ := learn[i].Grad()
				if d := maxAbsDiff(torchLayout(p, data[float32](g)), io["grad."+p.Name]); d > parityTol {
					t.Errorf("gradient of %s differs from PyTorch by %.3g", p.Name, d)
				}
			}
		})
	}
}

// affineConst returns a x + c through a Linear-free path: x scaled in place by a diagonal op (test helper
// built from Modulate with constant chunks).
func (b *Builder) affineConst(x *G.Node, a, c float64) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	C := xs[len(xs)-1]
	mod := b.Input(fmt.Sprintf("affine%p", x), xs[0], 2*C)
	v := data[float32](mod.Value())
	for i := 0; i < xs[0]; i++ {
		for j := 0; j < C; j++ {
			v[i*2*C+j], v[i*2*C+C+j] = float32(c), float32(a-1)
		}
	}
	return b.Modulate(x, mod, Chunk{E: 2 * C, Off: 0}, Chunk{E: 2 * C, Off: C})
}

func TestParityEmbeddings(t *testing.T) {
	io, shapes, _ := readIO(t, "embeddings")
	b := NewBuilder(tensor.Float32, false)
	tn := b.Input("t", shapes["in.t"]...)
	copy(data[float32](tn.Value()), io["in.t"])
	ts := b.Input("ts", shapes["in.t"]...)
	for i, v := range io["in.t"] {
		data[float32](ts.Value())[i] = v / 50
	}
	fr := b.Input("freqs", shapes["in.freqs"]...)
	copy(data[float32](fr.Value()), io["in.freqs"])
	sin, four := b.Sinusoidal(tn, 10), b.Fourier(ts, fr)
	defer runGraph(t, b).Close()
	if d := maxAbsDiff(data[float32](sin.Value()), io["out.sinusoidal"]); d > 1e-6 {
		t.Errorf("sinusoidal embedding differs from PyTorch by %.3g", d)
	}
	if d := maxAbsDiff(data[float32](four.Value()), io["out.fourier"]); d > 1e-5 {
		t.Errorf("Fourier embedding differs from PyTorch by %.3g", d)
	}
}
