package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TransformerConfig configures the 1-D transformer denoiser.
type TransformerConfig struct {
	Length        int     `json:"length"`                   // sequence length L (x is [B, L, channels])
	Channels      int     `json:"channels"`                 // values per position
	Width         int     `json:"width"`                    // model width D
	Depth         int     `json:"depth"`                    // number of blocks
	Heads         int     `json:"heads"`                    // attention heads (D divisible by heads)
	MLPRatio      float64 `json:"mlp_ratio,omitempty"`      // MLP hidden width / D (default 4)
	TimeDim       int     `json:"time_dim,omitempty"`       // time embedding width (default D)
	TimeEmbedding string  `json:"time_embedding,omitempty"` // "sinusoidal" (default) or "fourier"
	FourierScale  float64 `json:"fourier_scale,omitempty"`  // Fourier frequency scale (default 16)
	CondDim       int     `json:"cond_dim,omitempty"`       // condition length (0: unconditional)
	Dropout       float64 `json:"dropout,omitempty"`        // dropout after the MLP activation
	Causal        bool    `json:"causal,omitempty"`         // causal attention mask
}

// DiTBlock is a transformer block with adaLN-Zero conditioning (Peebles & Xie 2023, "Scalable Diffusion
// Models with Transformers"): the conditioning vector c gives, through SiLU and a zero-initialised Linear
// ("adaLN_modulation.1"), per-channel shift, scale and gate for the attention and MLP branches,
//
//	x += gate_msa attn(LN(x) (1 + scale_msa) + shift_msa),  x += gate_mlp mlp(LN(x) (1 + scale_mlp) + shift_mlp),
//
// with LayerNorms without affine map (eps 1e-6) and mlp = fc2(GELU(fc1)).
type DiTBlock struct {
	Attn     *AttentionLayer
	FC1, FC2 *LinearLayer
	AdaLN    *LinearLayer
	Dropout  float64
}

// Transformer is a 1-D DiT denoiser: x [B, L, channels] is embedded per position ("x_embed"), a learned
// position embedding ("pos_embed" [L, D]) is added, the time embedding goes through an MLP
// ("t_embed.mlp.0", SiLU, "t_embed.mlp.2") and, for conditional networks, a condition embedding
// ("cond_embed") times the keep mask is added to it; Depth adaLN-Zero blocks follow and a final
// adaLN-modulated LayerNorm and Linear ("final_layer.*") map back to the channels.
type Transformer struct {
	cfg      TransformerConfig
	ps       *Params
	time     *TimeEmbedding
	xEmbed   *LinearLayer
	pos      *Param
	tMLP     [2]*LinearLayer
	condEmb  *LinearLayer
	blocks   []*DiTBlock
	finalMod *LinearLayer
	final    *LinearLayer
}

// NewTransformer builds the network with parameters of dtype dt (initialise them with Params().Init).
// As in DiT, the adaLN modulations and the output layer start at zero, so the untrained network
// predicts 0.
func NewTransformer(cfg TransformerConfig, dt tensor.Dtype) (*Transformer, error) {
	if cfg.MLPRatio == 0 {
		cfg.MLPRatio = 4
	}
	if cfg.TimeDim == 0 {
		cfg.TimeDim = cfg.Width
	}
	if cfg.Length <= 0 || cfg.Channels <= 0 || cfg.Width <= 0 || cfg.Depth <= 0 || cfg.Heads <= 0 || cfg.Width%cfg.Heads != 0 ||
		cfg.CondDim < 0 || cfg.MLPRatio < 0 || cfg.Dropout < 0 || cfg.Dropout >= 1 {
		return nil, fmt.Errorf("nn: Transformer config %+v: need positive sizes, width divisible by heads, dropout in [0, 1)", cfg)
	}
	t := &Transformer{cfg: cfg, ps: newParams(dt)}
	ps, D := t.ps, cfg.Width
	hidden := int(float64(D) * cfg.MLPRatio)
	if hidden <= 0 {
		return nil, fmt.Errorf("nn: Transformer MLP width %d", hidden)
	}
	var err error
	t.xEmbed = NewLinear(ps, "x_embed", cfg.Channels, D, true)
	t.pos = ps.add("pos_embed", true, normal(0.02), cfg.Length, D)
	if t.time, err = timeEmbedding(ps, cfg.TimeEmbedding, cfg.TimeDim, cfg.FourierScale); err != nil {
		return nil, err
	}
	t.tMLP = [2]*LinearLayer{NewLinear(ps, "t_embed.mlp.0", cfg.TimeDim, D, true), NewLinear(ps, "t_embed.mlp.2", D, D, true)}
	if cfg.CondDim > 0 {
		t.condEmb = NewLinear(ps, "cond_embed", cfg.CondDim, D, true)
	}
	for i := 0; i < cfg.Depth; i++ {
		name := fmt.Sprintf("blocks.%d", i)
		blk := &DiTBlock{Attn: NewAttention(ps, name+".attn", D, cfg.Heads, cfg.Causal),
			FC1: NewLinear(ps, name+".mlp.fc1", D, hidden, true), FC2: NewLinear(ps, name+".mlp.fc2", hidden, D, true),
			AdaLN: zeroInit(NewLinear(ps, name+".adaLN_modulation.1", D, 6*D, true)), Dropout: cfg.Dropout}
		t.blocks = append(t.blocks, blk)
	}
	t.finalMod = zeroInit(NewLinear(ps, "final_layer.adaLN_modulation.1", D, 2*D, true))
	t.final = zeroInit(NewLinear(ps, "final_layer.linear", D, cfg.Channels, true))
	return t, nil
}

func zeroInit(l *LinearLayer) *LinearLayer {
	l.W.init, l.B.init = constant(0), constant(0)
	return l
}

// Shape implements Net.
func (t *Transformer) Shape() []int { return []int{t.cfg.Length, t.cfg.Channels} }

// Dim implements Net.
func (t *Transformer) Dim() int { return t.cfg.Length * t.cfg.Channels }

// CondDim implements Net.
func (t *Transformer) CondDim() int { return t.cfg.CondDim }

// Params implements Net.
func (t *Transformer) Params() *Params { return t.ps }

// Config returns the configuration with defaults filled in.
func (t *Transformer) Config() TransformerConfig { return t.cfg }

// Spec implements Net.
func (t *Transformer) Spec() Spec {
	c := t.cfg
	return Spec{Arch: "transformer", Transformer: &c}
}

// Forward applies the block to x [B, L, D] with siluC = SiLU(c) [B, D].
func (blk *DiTBlock) Forward(b *Builder, x, siluC *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	D := x.Shape()[2]
	mod := blk.AdaLN.Forward(b, siluC)
	ch := func(i int) Chunk { return Chunk{E: 6 * D, Off: i * D} }
	h := b.Modulate(b.LayerNorm(x, nil, nil, 1e-6), mod, ch(0), ch(1))
	x = b.GatedAdd(x, blk.Attn.Forward(b, h, nil), mod, ch(2))
	h = b.Modulate(b.LayerNorm(x, nil, nil, 1e-6), mod, ch(3), ch(4))
	h = blk.FC2.Forward(b, b.Dropout(b.Act(blk.FC1.Forward(b, h), GELU), blk.Dropout))
	return b.GatedAdd(x, h, mod, ch(5))
}

// Forward implements Net.
func (t *Transformer) Forward(b *Builder, x, tm, cond, keep *G.Node) *G.Node {
	if !checkForward(b, t, x, tm, cond, keep) {
		return nil
	}
	D := t.cfg.Width
	h := b.AddBias(t.xEmbed.Forward(b, x), b.Param(t.pos))
	c := t.tMLP[1].Forward(b, b.Act(t.tMLP[0].Forward(b, t.time.Forward(b, tm)), SiLU))
	if t.cfg.CondDim > 0 {
		c = b.Add(c, b.RowScale(t.condEmb.Forward(b, cond), keep))
	}
	sc := b.Act(c, SiLU)
	for _, blk := range t.blocks {
		h = blk.Forward(b, h, sc)
	}
	mod := t.finalMod.Forward(b, sc)
	h = b.Modulate(b.LayerNorm(h, nil, nil, 1e-6), mod, Chunk{E: 2 * D, Off: 0}, Chunk{E: 2 * D, Off: D})
	return t.final.Forward(b, h)
}
