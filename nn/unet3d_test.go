package nn

import (
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/nn/safetensors"
)

// TestUnet3DGradientsMatchFiniteDifferences runs the whole-network check of TestNetworkGradients on the
// video U-Net specs alone.
func TestUnet3DGradientsMatchFiniteDifferences(t *testing.T) {
	for name := range smallSpecs() {
		if strings.HasPrefix(name, "unet3d") {
			t.Run(name, func(t *testing.T) { checkNetworkGradients(t, name, smallSpecs()[name]) })
		}
	}
}

func TestUnet3DSpecRoundTripsAndDefaults(t *testing.T) {
	spec, err := ParseSpec([]byte(`{"arch":"unet3d","unet3d":{"frames":6,"height":8,"width":12,"channels":5,"dim":8}}`))
	if err != nil {
		t.Fatal(err)
	}
	net, err := spec.New(tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	// One example is [channels, frames, height, width].
	if s := net.Shape(); len(s) != 4 || s[0] != 5 || s[1] != 6 || s[2] != 8 || s[3] != 12 || net.Dim() != 5*6*8*12 || net.CondDim() != 0 {
		t.Errorf("shape %v, dim %d, cond dim %d", s, net.Dim(), net.CondDim())
	}
	c := net.(*Unet3D).Config()
	if c.OutChannels != 5 || c.Groups != 8 || c.AttnHeads != 4 || c.AttnDimHead != 32 || c.SpatialDimHead != 32 || c.InitKernel != 7 ||
		len(c.DimMults) != 3 || c.DimMults[2] != 4 || !*c.LinearAttention || !*c.TemporalAttention || !*c.MidAttention {
		t.Errorf("defaults %+v", c)
	}
	js, err := json.Marshal(net.Spec())
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSpec(js)
	if err != nil {
		t.Fatal(err)
	}
	again, err := back.New(tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if again.Params().Count() != net.Params().Count() {
		t.Errorf("rebuilt from %s: %d parameters, want %d", js, again.Params().Count(), net.Params().Count())
	}
	all := net.Params().All()
	if all[0].Name != "time_rel_pos_bias.relative_attention_bias.weight" || all[len(all)-1].Name != "final_conv.1.bias" {
		t.Errorf("parameter order %s ... %s", all[0].Name, all[len(all)-1].Name)
	}
	// The rotary frequencies are fixed buffers theta_i = 10000^(-2i/32) of the 32-wide heads.
	f := net.Params().Get("init_temporal_attn.fn.fn.fn.rotary_emb.freqs")
	if f == nil || f.Learnable || f.Size() != 16 || f.Float32s()[0] != 1 || f.Float32s()[8] != 0.01 {
		t.Errorf("rotary frequencies %+v", f)
	}
}

func TestUnet3DRejectsBadConfigs(t *testing.T) {
	ok := func() Unet3DConfig {
		return Unet3DConfig{Frames: 3, Height: 8, Width: 8, Channels: 2, Dim: 8, DimMults: []int{1, 2}, Groups: 4}
	}
	if _, err := NewUnet3D(ok(), tensor.Float32); err != nil {
		t.Fatal(err)
	}
	for want, mod := range map[string]func(*Unet3DConfig){
		"not divisible by 2^2": func(c *Unet3DConfig) { c.Width, c.DimMults = 6, []int{1, 2, 4} },
		"all must be positive": func(c *Unet3DConfig) { c.Frames = 0 },
		"out_channels":         func(c *Unet3DConfig) { c.OutChannels = 3 },
		"groups":               func(c *Unet3DConfig) { c.Groups = 3 },
		"must be even":         func(c *Unet3DConfig) { c.Dim = 7 },
		"init_kernel":          func(c *Unet3DConfig) { c.InitKernel = 4 },
		"multipliers":          func(c *Unet3DConfig) { c.DimMults = []int{1, 0} },
		"rotary":               func(c *Unet3DConfig) { c.AttnDimHead = 1 },
		"must be positive":     func(c *Unet3DConfig) { c.SpatialDimHead = -1 },
	} {
		c := ok()
		mod(&c)
		_, err := Spec{Arch: "unet3d", Unet3D: &c}.New(tensor.Float32, 1)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v", want, err)
		}
	}
	if _, err := (Spec{Arch: "unet3d"}).New(tensor.Float32, 1); err == nil || !strings.Contains(err.Error(), "unet3d configuration") {
		t.Errorf("missing configuration: %v", err)
	}
	if _, err := ParseSpec([]byte(`{"arch":"unet3d","unet3d":{"frames":3,"height":8,"width":8,"channels":2,"dim":8,"focus":1}}`)); err == nil {
		t.Error("unknown field accepted")
	}
}

// TestUnet3DParamsFollowStateDictOrder compares the parameter list with the PyTorch twin's state_dict.
func TestUnet3DParamsFollowStateDictOrder(t *testing.T) {
	for _, name := range []string{"unet3d", "unet3d_k7"} {
		ts, meta, err := safetensors.ReadFile(filepath.Join("testdata", "parity", name+".weights.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		spec, err := ParseSpec([]byte(meta["spec"]))
		if err != nil {
			t.Fatal(err)
		}
		net, err := spec.New(tensor.Float32, 1)
		if err != nil {
			t.Fatal(err)
		}
		ps := net.Params().All()
		if len(ps) != len(ts) {
			t.Fatalf("%s: %d parameters, state_dict has %d", name, len(ps), len(ts))
		}
		for i, p := range ps {
			if p.Name != ts[i].Name || !sameShape(p.StateShape(), ts[i].Shape) {
				t.Errorf("%s: parameter %d is %s %v, state_dict has %s %v", name, i, p.Name, p.StateShape(), ts[i].Name, ts[i].Shape)
			}
		}
	}
}

// unet3DStep builds a training graph of the small video U-Net from seed, fills it with a fixed batch and
// returns the output and the first parameter gradients after one step.
func unet3DStep(t *testing.T, seed uint64) (out, grad []float32, shape tensor.Shape) {
	t.Helper()
	net, err := smallSpecs()["unet3d"].New(tensor.Float32, seed)
	if err != nil {
		t.Fatal(err)
	}
	const B = 3
	tg, err := NewTrainGraph(net, TrainOptions{Batch: B, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < B; i++ {
		x, y := make([]float64, net.Dim()), make([]float64, net.Dim())
		for j := range x {
			x[j], y[j] = rng.NormFloat64(), rng.NormFloat64()
		}
		if err := tg.SetExample(i, x, y, diffusion.Example{NetTime: float64(10 * i), Weight: 1}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tg.Run(0); err != nil {
		t.Fatal(err)
	}
	o := tg.Output()
	return append([]float32(nil), data[float32](o.Value())...), append([]float32(nil), data[float32](tg.Grad(0))...), o.Shape()
}

func TestUnet3DOutputHasTheInputShape(t *testing.T) {
	_, _, shape := unet3DStep(t, 1)
	if want := (tensor.Shape{3, 2, 3, 4, 4}); !shape.Eq(want) {
		t.Fatalf("output %v, want [B, channels, frames, height, width] = %v", shape, want)
	}
}

func TestUnet3DIsDeterministic(t *testing.T) {
	o1, g1, _ := unet3DStep(t, 7)
	o2, g2, _ := unet3DStep(t, 7)
	o3, _, _ := unet3DStep(t, 8)
	for i := range o1 {
		if o1[i] != o2[i] {
			t.Fatalf("output %d: %v then %v from the same seed", i, o1[i], o2[i])
		}
	}
	for i := range g1 {
		if g1[i] != g2[i] {
			t.Fatalf("gradient %d: %v then %v from the same seed", i, g1[i], g2[i])
		}
	}
	same := true
	for i := range o1 {
		same = same && o1[i] == o3[i]
	}
	if same {
		t.Error("another seed gives the same output")
	}
}
