package nn

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TemporalUnetConfig configures Diffuser's temporal U-Net (Janner et al. 2022).
type TemporalUnetConfig struct {
	Horizon    int   `json:"horizon"`            // trajectory length (divisible by 2^(len(dim_mults)-1))
	Transition int   `json:"transition"`         // values per time step (observation + action)
	Dim        int   `json:"dim"`                // base width (Diffuser: 32)
	DimMults   []int `json:"dim_mults"`          // width multipliers per resolution (Diffuser: 1, 2, 4, 8)
	Kernel     int   `json:"kernel,omitempty"`   // temporal kernel size (default 5)
	Groups     int   `json:"groups,omitempty"`   // GroupNorm groups (default 8)
	CondDim    int   `json:"cond_dim,omitempty"` // condition length (0: unconditional)
	// Upsample is the resampler on the way up: "" or "transposed" for Diffuser's ConvTranspose1d(4, 2, 1),
	// "nearest" for nearest-neighbour doubling followed by a Conv1d(3, padding 1) (resize-convolution).
	Upsample string `json:"upsample,omitempty"`
	// UpsampleInit "tied" initialises the transposed upsamplers as resize-convolutions (ICNR: taps [w2,
	// w1 + w2, w0 + w1, w0]), so training starts without a checkerboard; "" is PyTorch's default init.
	// The architecture, the state_dict and inference are Diffuser's either way.
	UpsampleInit string `json:"upsample_init,omitempty"`
}

// The temporal U-Net's upsamplers, and the tied initialisation of the transposed one.
const (
	UpsampleTransposed = "transposed"
	UpsampleNearest    = "nearest"
	UpsampleInitTied   = "tied"
)

// TiedTaps are the ConvTranspose1d(4, 2, 1) taps [w2, w1 + w2, w0 + w1, w0] equal to nearest-neighbour
// doubling followed by the Conv1d(3, padding 1) taps (w0, w1, w2): the resize-convolution in transposed
// form (the "nearest" upsampler, and the "tied" initialisation of the transposed one).
func TiedTaps[T float32 | float64](w0, w1, w2 T) [4]T { return [4]T{w2, w1 + w2, w0 + w1, w0} }

// Conv1dBlock is Diffuser's Conv1d -> GroupNorm -> Mish ("<name>.block.0", "<name>.block.2"), with
// GroupNorm and Mish fused into one op.
type Conv1dBlock struct {
	Conv *ConvLayer
	Norm *NormLayer
}

// NewConv1dBlock adds a Conv1dBlock(in, out, k) with groups GroupNorm groups.
func NewConv1dBlock(ps *Params, name string, in, out, k, groups int) *Conv1dBlock {
	return &Conv1dBlock{Conv: NewConv1d(ps, name+".block.0", in, out, k, 1, k/2, 1, true),
		Norm: NewGroupNorm(ps, name+".block.2", groups, out, Mish)}
}

// Forward applies the block to x [B, L, in].
func (c *Conv1dBlock) Forward(b *Builder, x *G.Node) *G.Node {
	return c.Norm.Forward(b, c.Conv.Forward(b, x))
}

// ResidualTemporalBlock is Diffuser's residual block: two Conv1dBlocks with the time embedding, through
// Mish and Linear ("<name>.time_mlp.1"), added per channel after the first, and a 1x1 convolution
// ("<name>.residual_conv") on the skip path when the width changes.
type ResidualTemporalBlock struct {
	Blocks   [2]*Conv1dBlock
	TimeMLP  *LinearLayer
	Residual *ConvLayer // nil when in == out
}

// NewResidualTemporalBlock adds a ResidualTemporalBlock(in, out, embed, k).
func NewResidualTemporalBlock(ps *Params, name string, in, out, embed, k, groups int) *ResidualTemporalBlock {
	r := &ResidualTemporalBlock{}
	r.Blocks[0] = NewConv1dBlock(ps, name+".blocks.0", in, out, k, groups)
	r.Blocks[1] = NewConv1dBlock(ps, name+".blocks.1", out, out, k, groups)
	r.TimeMLP = NewLinear(ps, name+".time_mlp.1", embed, out, true)
	if in != out {
		r.Residual = NewConv1d(ps, name+".residual_conv", in, out, 1, 1, 0, 1, true)
	}
	return r
}

// Forward applies the block to x [B, L, in] with mishEmb = Mish(time embedding) [B, embed] (computed once
// per network: every block's time_mlp starts with the same Mish).
func (r *ResidualTemporalBlock) Forward(b *Builder, x, mishEmb *G.Node) *G.Node {
	out := b.AddRows(r.Blocks[0].Forward(b, x), r.TimeMLP.Forward(b, mishEmb))
	out = r.Blocks[1].Forward(b, out)
	skip := x
	if r.Residual != nil {
		skip = r.Residual.Forward(b, x)
	}
	return b.Add(out, skip)
}

// TemporalUnet is Diffuser's TemporalUnet (jannerm/diffuser, models/temporal.py) on channels-last
// trajectories x [B, horizon, transition] (Diffuser's own input layout, so its rearranges vanish): a
// sinusoidal time MLP, per resolution two ResidualTemporalBlocks and a stride-2 Conv1d downsampling,
// two middle blocks, per resolution on the way up a concatenation with the skip, two blocks and a
// ConvTranspose1d(4, 2, 1) upsampling, and a final Conv1dBlock and 1x1 Conv1d. State_dict names match
// Diffuser's module (downs.i.3 / ups.i.3 are the resamplers, index 2 its disabled attention).
//
// Upsample "nearest" replaces the transposed convolution by nearest-neighbour doubling and a Conv1d(3,
// padding 1), the resize-convolution of Odena, Dumoulin and Olah (2016, "Deconvolution and checkerboard
// artifacts"). A stride-2 transposed convolution computes even and odd outputs with different taps, so a
// network that has not yet learnt to balance them writes a period-2 zig-zag into every trajectory it
// outputs; with x0-prediction that zig-zag is the plan. The resize-convolution is the same map with the
// taps tied (kernel [w2, w1 + w2, w0 + w1, w0] in transposed form), which cannot produce it from a
// constant input. UpsampleInit "tied" keeps Diffuser's transposed convolution but starts it tied (ICNR,
// Aitken et al. 2017), which removes the zig-zag of early training without changing the architecture.
//
// With CondDim > 0 the condition goes through Decision Diffuser's returns MLP (Ajay et al. 2023;
// "cond_mlp.0/2/4": Linear, Mish, Linear, Mish, Linear), is multiplied by the keep mask and concatenated
// to the time embedding, which doubles the blocks' embedding width.
type TemporalUnet struct {
	cfg        TemporalUnetConfig
	ps         *Params
	timeMLP    [2]*LinearLayer
	condMLP    [3]*LinearLayer
	downs      [][2]*ResidualTemporalBlock
	downsample []*ConvLayer
	mid        [2]*ResidualTemporalBlock
	ups        [][2]*ResidualTemporalBlock
	upsample   []*ConvLayer
	final      *Conv1dBlock
	finalConv  *ConvLayer
	embedDim   int
}

// NewTemporalUnet builds the network with parameters of dtype dt (initialise them with Params().Init).
func NewTemporalUnet(cfg TemporalUnetConfig, dt tensor.Dtype) (*TemporalUnet, error) {
	if cfg.Kernel == 0 {
		cfg.Kernel = 5
	}
	if cfg.Groups == 0 {
		cfg.Groups = 8
	}
	if len(cfg.DimMults) == 0 {
		cfg.DimMults = []int{1, 2, 4, 8}
	}
	if cfg.Upsample == UpsampleTransposed {
		cfg.Upsample = "" // the default, written once
	}
	if cfg.Upsample != "" && cfg.Upsample != UpsampleNearest {
		return nil, fmt.Errorf("nn: TemporalUnet upsample %q: want %q (the default) or %q", cfg.Upsample, UpsampleTransposed, UpsampleNearest)
	}
	if cfg.UpsampleInit != "" && (cfg.UpsampleInit != UpsampleInitTied || cfg.Upsample != "") {
		return nil, fmt.Errorf("nn: TemporalUnet upsample_init %q with upsample %q: only %q, of the transposed upsampler", cfg.UpsampleInit, cfg.Upsample, UpsampleInitTied)
	}
	if cfg.Horizon <= 0 || cfg.Transition <= 0 || cfg.Dim < 4 || cfg.Dim%2 != 0 || cfg.CondDim < 0 || cfg.Kernel%2 != 1 {
		return nil, fmt.Errorf("nn: TemporalUnet config %+v: need horizon, transition > 0, an even dim >= 4 and an odd kernel", cfg)
	}
	levels := len(cfg.DimMults)
	if cfg.Horizon%(1<<(levels-1)) != 0 {
		return nil, fmt.Errorf("nn: TemporalUnet horizon %d not divisible by 2^%d (%d resolutions)", cfg.Horizon, levels-1, levels)
	}
	dims := []int{cfg.Transition}
	for _, m := range cfg.DimMults {
		if m <= 0 || (cfg.Dim*m)%cfg.Groups != 0 {
			return nil, fmt.Errorf("nn: TemporalUnet width %d x %d not divisible into %d groups", cfg.Dim, m, cfg.Groups)
		}
		dims = append(dims, cfg.Dim*m)
	}
	if cfg.Dim%cfg.Groups != 0 {
		return nil, fmt.Errorf("nn: TemporalUnet dim %d not divisible into %d groups", cfg.Dim, cfg.Groups)
	}
	u := &TemporalUnet{cfg: cfg, ps: newParams(dt)}
	ps, d, k, g := u.ps, cfg.Dim, cfg.Kernel, cfg.Groups
	u.timeMLP = [2]*LinearLayer{NewLinear(ps, "time_mlp.1", d, 4*d, true), NewLinear(ps, "time_mlp.3", 4*d, d, true)}
	u.embedDim = d
	if cfg.CondDim > 0 {
		u.condMLP = [3]*LinearLayer{NewLinear(ps, "cond_mlp.0", cfg.CondDim, d, true), NewLinear(ps, "cond_mlp.2", d, 4*d, true),
			NewLinear(ps, "cond_mlp.4", 4*d, d, true)}
		u.embedDim = 2 * d
	}
	e := u.embedDim
	for i := 0; i < levels; i++ {
		in, out := dims[i], dims[i+1]
		name := fmt.Sprintf("downs.%d", i)
		u.downs = append(u.downs, [2]*ResidualTemporalBlock{
			NewResidualTemporalBlock(ps, name+".0", in, out, e, k, g), NewResidualTemporalBlock(ps, name+".1", out, out, e, k, g)})
		if i < levels-1 {
			u.downsample = append(u.downsample, NewConv1d(ps, name+".3.conv", out, out, 3, 2, 1, 1, true))
		}
	}
	mid := dims[levels]
	u.mid = [2]*ResidualTemporalBlock{NewResidualTemporalBlock(ps, "mid_block1", mid, mid, e, k, g),
		NewResidualTemporalBlock(ps, "mid_block2", mid, mid, e, k, g)}
	for i := 0; i < levels-1; i++ {
		in, out := dims[levels-1-i], dims[levels-i] // reversed(in_out[1:])
		name := fmt.Sprintf("ups.%d", i)
		u.ups = append(u.ups, [2]*ResidualTemporalBlock{
			NewResidualTemporalBlock(ps, name+".0", 2*out, in, e, k, g), NewResidualTemporalBlock(ps, name+".1", in, in, e, k, g)})
		if cfg.Upsample == UpsampleNearest {
			u.upsample = append(u.upsample, NewConv1d(ps, name+".3.conv", in, in, 3, 1, 1, 1, true))
		} else {
			l := NewConvTranspose1d(ps, name+".3.conv", in, in, 4, 2, 1, 0, 1, true)
			if cfg.UpsampleInit == UpsampleInitTied {
				l.W.init = tiedTransposed(1 / math.Sqrt(float64(3*in))) // the Conv1d(3)'s PyTorch bound
			}
			u.upsample = append(u.upsample, l)
		}
	}
	u.final = NewConv1dBlock(ps, "final_conv.0", d, d, k, g)
	u.finalConv = NewConv1d(ps, "final_conv.1", d, cfg.Transition, 1, 1, 0, 1, true)
	return u, nil
}

// Shape implements Net.
func (u *TemporalUnet) Shape() []int { return []int{u.cfg.Horizon, u.cfg.Transition} }

// Dim implements Net.
func (u *TemporalUnet) Dim() int { return u.cfg.Horizon * u.cfg.Transition }

// CondDim implements Net.
func (u *TemporalUnet) CondDim() int { return u.cfg.CondDim }

// Params implements Net.
func (u *TemporalUnet) Params() *Params { return u.ps }

// Config returns the configuration with defaults filled in.
func (u *TemporalUnet) Config() TemporalUnetConfig { return u.cfg }

// Spec implements Net.
func (u *TemporalUnet) Spec() Spec {
	c := u.cfg
	return Spec{Arch: "temporal_unet", TemporalUnet: &c}
}

// Forward implements Net.
func (u *TemporalUnet) Forward(b *Builder, x, t, cond, keep *G.Node) *G.Node {
	if !checkForward(b, u, x, t, cond, keep) {
		return nil
	}
	d := u.cfg.Dim
	emb := u.timeMLP[1].Forward(b, b.Act(u.timeMLP[0].Forward(b, b.Sinusoidal(t, d)), Mish))
	if u.cfg.CondDim > 0 {
		c := b.Act(u.condMLP[0].Forward(b, cond), Mish)
		c = u.condMLP[2].Forward(b, b.Act(u.condMLP[1].Forward(b, c), Mish))
		emb = b.Concat(emb, b.RowScale(c, keep))
	}
	memb := b.Act(emb, Mish)
	var skips []*G.Node
	h := x
	for i, p := range u.downs {
		h = p[1].Forward(b, p[0].Forward(b, h, memb), memb)
		skips = append(skips, h)
		if i < len(u.downsample) {
			h = u.downsample[i].Forward(b, h)
		}
	}
	h = u.mid[1].Forward(b, u.mid[0].Forward(b, h, memb), memb)
	for i, p := range u.ups {
		h = b.Concat(h, skips[len(skips)-1-i])
		h = p[1].Forward(b, p[0].Forward(b, h, memb), memb)
		if u.cfg.Upsample == UpsampleNearest {
			h = b.Upsample1d2x(h)
		}
		h = u.upsample[i].Forward(b, h)
	}
	return u.finalConv.Forward(b, u.final.Forward(b, h))
}
