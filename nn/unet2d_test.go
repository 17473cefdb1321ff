package nn

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/safetensors"
)

func TestGradSpaceOpsMatchFiniteDifferences(t *testing.T) {
	checkGrads(t, gradCase{name: "channelslast-spacetodepth", shapes: [][]int{{2, 3, 4, 6}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.SpaceToDepth(b.ChannelsLast(in[0])), SiLU) }})
	checkGrads(t, gradCase{name: "upsample-channelsfirst", shapes: [][]int{{2, 3, 2, 5}},
		build: func(b *Builder, in []*G.Node) *G.Node { return b.ChannelsFirst(b.Act(b.Upsample2x(in[0]), Mish)) }})
}

func TestGradLinearAttentionMatchesFiniteDifferences(t *testing.T) {
	small := func(_ int, v []float64) {
		for j := range v {
			v[j] *= 0.7
		}
	}
	// [B, H, W, 3D] with D = 2 heads of 3: the op takes any number of position axes.
	checkGrads(t, gradCase{name: "linattn", shapes: [][]int{{2, 3, 2, 18}}, fill: small,
		build: func(b *Builder, in []*G.Node) *G.Node { return b.LinearAttention(in[0], 2) }})
	checkGrads(t, gradCase{name: "linattn-1head", shapes: [][]int{{1, 5, 12}}, fill: small,
		build: func(b *Builder, in []*G.Node) *G.Node { return b.Act(b.LinearAttention(in[0], 1), SiLU) }})
}

// TestSpaceToDepthUsesEinopsOrder pins the channel order c 4 + 2 p1 + p2 of 'b c (h p1) (w p2) -> b (c p1
// p2) h w', and Upsample2x's nearest-neighbour copies, on a labelled image.
func TestSpaceToDepthUsesEinopsOrder(t *testing.T) {
	ps := newParams(tensor.Float64)
	const H, W, C = 2, 4, 2
	x := ps.add("x", true, constant(0), 1, H, W, C)
	v := x.Float64s()
	for i := range v {
		v[i] = float64(i) // pixel (h, w), channel c holds (h W + w) C + c
	}
	b := NewBuilder(tensor.Float64, false)
	s2d, up := b.SpaceToDepth(b.Param(x)), b.Upsample2x(b.Param(x))
	defer runGraph(t, b).Close()
	y := data[float64](s2d.Value())
	for j := 0; j < W/2; j++ {
		for c := 0; c < C; c++ {
			for p1 := 0; p1 < 2; p1++ {
				for p2 := 0; p2 < 2; p2++ {
					want := float64((p1*W+2*j+p2)*C + c)
					if got := y[j*4*C+c*4+p1*2+p2]; got != want {
						t.Errorf("space-to-depth (0, %d) channel (%d, %d, %d) = %v, want %v", j, c, p1, p2, got, want)
					}
				}
			}
		}
	}
	u := data[float64](up.Value())
	for i := 0; i < 2*H; i++ {
		for j := 0; j < 2*W; j++ {
			for c := 0; c < C; c++ {
				if got, want := u[(i*2*W+j)*C+c], v[((i/2)*W+j/2)*C+c]; got != want {
					t.Errorf("upsample (%d, %d, %d) = %v, want %v", i, j, c, got, want)
				}
			}
		}
	}
}

// TestUnet2DGradientsMatchFiniteDifferences runs the whole-network check of TestNetworkGradients on the
// U-Net specs alone.
func TestUnet2DGradientsMatchFiniteDifferences(t *testing.T) {
	for name := range smallSpecs() {
		if strings.HasPrefix(name, "unet2d") {
			t.Run(name, func(t *testing.T) { checkNetworkGradients(t, name, smallSpecs()[name]) })
		}
	}
}

func TestUnet2DSpecRoundTripsAndDefaults(t *testing.T) {
	spec, err := ParseSpec([]byte(`{"arch":"unet2d","unet2d":{"height":24,"width":32,"channels":9,"dim":16,"dim_mults":[1,2,4]}}`))
	if err != nil {
		t.Fatal(err)
	}
	net, err := spec.New(tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s := net.Shape(); len(s) != 3 || s[0] != 9 || s[1] != 24 || s[2] != 32 || net.Dim() != 9*24*32 {
		t.Errorf("shape %v, dim %d", s, net.Dim())
	}
	c := net.(*Unet2D).Config()
	if c.OutChannels != 9 || c.Groups != 1 || c.AttnHeads != 4 || c.AttnDimHead != 32 || c.InitKernel != 7 || !*c.LinearAttention || !*c.MidAttention {
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
	// The first and last names follow the reference's state_dict order.
	all := net.Params().All()
	if all[0].Name != "time_mlp.1.weight" || all[len(all)-1].Name != "final_conv.bias" {
		t.Errorf("parameter order %s ... %s", all[0].Name, all[len(all)-1].Name)
	}
}

func TestUnet2DRejectsBadConfigs(t *testing.T) {
	ok := func() Unet2DConfig {
		return Unet2DConfig{Height: 8, Width: 8, Channels: 2, Dim: 8, DimMults: []int{1, 2}}
	}
	for want, mod := range map[string]func(*Unet2DConfig){
		"not divisible by 2^2": func(c *Unet2DConfig) { c.Height, c.DimMults = 6, []int{1, 2, 4} },
		"all must be positive": func(c *Unet2DConfig) { c.Width = 0 },
		"cond_dim":             func(c *Unet2DConfig) { c.CondDim = 3 },
		"out_channels":         func(c *Unet2DConfig) { c.OutChannels = 3 },
		"groups":               func(c *Unet2DConfig) { c.Groups = 3 },
		"must be even":         func(c *Unet2DConfig) { c.Dim = 5 },
		"init_kernel":          func(c *Unet2DConfig) { c.InitKernel = 4 },
		"multipliers":          func(c *Unet2DConfig) { c.DimMults = []int{1, 0} },
	} {
		c := ok()
		mod(&c)
		_, err := Spec{Arch: "unet2d", Unet2D: &c}.New(tensor.Float32, 1)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v", want, err)
		}
	}
	if _, err := (Spec{Arch: "unet2d"}).New(tensor.Float32, 1); err == nil || !strings.Contains(err.Error(), "unet2d configuration") {
		t.Errorf("missing configuration: %v", err)
	}
	if _, err := (Spec{Arch: "unet4d"}).New(tensor.Float32, 1); err == nil || !strings.Contains(err.Error(), "unet2d") {
		t.Errorf("unknown architecture error does not list unet2d: %v", err)
	}
}

// TestUnet2DParamsFollowStateDictOrder compares the parameter list with the PyTorch twin's state_dict,
// which scripts/nn/parity.py writes in order (safetensors.ReadFile returns tensors in data order).
func TestUnet2DParamsFollowStateDictOrder(t *testing.T) {
	for _, name := range []string{"unet2d", "unet2d_plain"} {
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
