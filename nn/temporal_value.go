package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TemporalValue is Diffuser's value model J(x_t, t) (Janner et al. 2022, section 3.2; jannerm/diffuser
// models/temporal.py ValueFunction), the "temporal_value" architecture, as a Regressor: an input row is a
// noisy window [horizon, transition] (row-major, channels-last as the denoisers' x) followed by the time
// the network's embedding reads (the process time t, like the denoisers' NetTime), so In =
// horizon*transition + 1. The network is the TemporalUnet's down path and a head:
//
//	e   = time_mlp(t) = Linear(4d, d)(Mish(Linear(d, 4d)(sinusoidal_d(t))))
//	h   = x;  per resolution i: h = down_i(res_i,1(res_i,0(h, e), e))     ("blocks.i.0/1", "blocks.i.2.conv")
//	h   = mid_down_1(mid_1(h, e)); h = mid_down_2(mid_2(h, e))         (widths m -> m/2 -> m/4)
//	J   = Linear(fc/2, out)(Mish(Linear(fc + d, fc/2)([flatten(h) | e])))  ("final_block.0/2")
//
// with the TemporalUnet's ResidualTemporalBlocks (two Conv1d-GroupNorm-Mish blocks, the time embedding
// added per channel after the first, a 1x1 skip convolution when the width changes), every down_i and
// mid_down a Conv1d(3, stride 2, padding 1) (Diffuser's Downsample1d, here also after the last
// resolution, as in the reference), and flatten the reference's channel-major view of [B, C, L].
// Parameters are in the reference module's state_dict order under its names.
//
// Deviation: the reference sizes the head from a horizon it halves at every resolution but the last,
// while its forward pass downsamples there too; the two agree only for short horizons (Diffuser's 32 with
// four resolutions). Here fc is the width the convolutions actually produce (flatDim), so any horizon
// works; for the reference's own configurations the network is the same.
type TemporalValue struct {
	cfg     TemporalValueConfig
	ps      *Params
	timeMLP [2]*LinearLayer
	blocks  [][2]*ResidualTemporalBlock
	down    []*ConvLayer
	mid     [2]*ResidualTemporalBlock
	midDown [2]*ConvLayer
	head    [2]*LinearLayer
}

// NewTemporalValue builds the network with parameters of dtype dt (initialise them with Params().Init).
func NewTemporalValue(cfg TemporalValueConfig, dt tensor.Dtype) (*TemporalValue, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	v := &TemporalValue{cfg: cfg, ps: newParams(dt)}
	ps, d, k, g := v.ps, cfg.Dim, cfg.Kernel, cfg.Groups
	v.timeMLP = [2]*LinearLayer{NewLinear(ps, "time_mlp.1", d, 4*d, true), NewLinear(ps, "time_mlp.3", 4*d, d, true)}
	in := cfg.Transition
	for i, m := range cfg.DimMults {
		out, name := d*m, fmt.Sprintf("blocks.%d", i)
		v.blocks = append(v.blocks, [2]*ResidualTemporalBlock{
			NewResidualTemporalBlock(ps, name+".0", in, out, d, k, g), NewResidualTemporalBlock(ps, name+".1", out, out, d, k, g)})
		v.down = append(v.down, NewConv1d(ps, name+".2.conv", out, out, 3, 2, 1, 1, true))
		in = out
	}
	v.mid[0] = NewResidualTemporalBlock(ps, "mid_block1", in, in/2, d, k, g)
	v.midDown[0] = NewConv1d(ps, "mid_down1.conv", in/2, in/2, 3, 2, 1, 1, true)
	v.mid[1] = NewResidualTemporalBlock(ps, "mid_block2", in/2, in/4, d, k, g)
	v.midDown[1] = NewConv1d(ps, "mid_down2.conv", in/4, in/4, 3, 2, 1, 1, true)
	fc := cfg.flatDim()
	v.head = [2]*LinearLayer{NewLinear(ps, "final_block.0", fc+d, fc/2, true), NewLinear(ps, "final_block.2", fc/2, cfg.Out, true)}
	return v, nil
}

// In implements Regressor: the window's horizon*transition values and the network time.
func (v *TemporalValue) In() int { return v.cfg.Horizon*v.cfg.Transition + 1 }

// Out implements Regressor.
func (v *TemporalValue) Out() int { return v.cfg.Out }

// Params implements Regressor.
func (v *TemporalValue) Params() *Params { return v.ps }

// Config returns the configuration with defaults filled in.
func (v *TemporalValue) Config() TemporalValueConfig {
	c := v.cfg
	c.DimMults = append([]int(nil), c.DimMults...)
	return c
}

// Spec implements Regressor.
func (v *TemporalValue) Spec() Spec {
	c := v.Config()
	return Spec{Arch: "temporal_value", TemporalValue: &c}
}

// Forward implements Regressor: x [B, horizon*transition + 1] -> [B, Out].
func (v *TemporalValue) Forward(b *Builder, x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	if xs := x.Shape(); len(xs) != 2 || xs[1] != v.In() {
		return b.failf("temporal_value input %v, want [B, %d] (horizon*transition window values and the time)", xs, v.In())
	}
	B, W := x.Shape()[0], v.In()-1
	h := b.Reshape(b.SliceCols(x, 0, W), B, v.cfg.Horizon, v.cfg.Transition)
	t := b.Reshape(b.SliceCols(x, W, 1), B) // the time carries no gradient (Sinusoidal): dJ/dt reads 0
	e := v.timeMLP[1].Forward(b, b.Act(v.timeMLP[0].Forward(b, b.Sinusoidal(t, v.cfg.Dim)), Mish))
	me := b.Act(e, Mish) // every block's time_mlp starts with the same Mish
	for i, p := range v.blocks {
		h = v.down[i].Forward(b, p[1].Forward(b, p[0].Forward(b, h, me), me))
	}
	h = v.midDown[0].Forward(b, v.mid[0].Forward(b, h, me))
	h = v.midDown[1].Forward(b, v.mid[1].Forward(b, h, me))
	flat := b.Reshape(b.ChannelsFirst(h), B, v.cfg.flatDim()) // the reference's x.view(B, -1) of [B, C, L]
	return v.head[1].Forward(b, b.Act(v.head[0].Forward(b, b.Concat(flat, e)), Mish))
}
