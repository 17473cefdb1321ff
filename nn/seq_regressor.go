package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SeqRegressorConfig configures the sequence regressor (arch "seq_regressor"): a transformer encoder that
// reads its In = Tokens*TokenDim input values as Tokens tokens of TokenDim values (token k is inputs
// [k*TokenDim, (k+1)*TokenDim): list a regression's inputs token by token) and predicts Out values from the
// last token, e.g. Trajectory Diffuser's draft model, next (state, return-to-go) from a history of
// (state, return-to-go) tokens.
type SeqRegressorConfig struct {
	Tokens   int  `json:"tokens"`           // sequence length L
	TokenDim int  `json:"token_dim"`        // values per token W
	Out      int  `json:"out"`              // output values
	Width    int  `json:"width"`            // model width D
	Depth    int  `json:"depth"`            // encoder blocks
	Heads    int  `json:"heads"`            // attention heads (D divisible by heads)
	FF       int  `json:"ff,omitempty"`     // MLP hidden width (default 4 D)
	Causal   bool `json:"causal,omitempty"` // causal attention mask (token i attends to tokens j <= i)
}

func (c SeqRegressorConfig) withDefaults() SeqRegressorConfig {
	if c.FF == 0 {
		c.FF = 4 * c.Width
	}
	return c
}

// seqBlock is a pre-LayerNorm transformer encoder block: x += attn(LN1(x)); x += fc2(GELU(fc1(LN2(x)))).
type seqBlock struct {
	norm1, norm2 *NormLayer
	attn         *AttentionLayer
	fc1, fc2     *LinearLayer
}

// SeqRegressor is the "seq_regressor" architecture: x [B, L*W] is read as [B, L, W], embedded by a
// Linear(W, D) ("embed") plus a learned position embedding ("pos_embed" [L, D], N(0, 0.02^2) at init),
// passed through Depth pre-LayerNorm encoder blocks ("blocks.i.norm1", multi-head self-attention
// "blocks.i.attn.qkv"/"blocks.i.attn.proj", "blocks.i.norm2", MLP "blocks.i.mlp.fc1", exact GELU,
// "blocks.i.mlp.fc2", each branch added to the residual stream), a final LayerNorm ("norm", eps 1e-5 like
// every LayerNorm here) and a Linear(D, Out) ("head") applied to the last token's features. The state_dict
// names are those of the PyTorch twin (scripts/nn/models.py SeqRegressor).
type SeqRegressor struct {
	cfg    SeqRegressorConfig
	ps     *Params
	embed  *LinearLayer
	pos    *Param
	blocks []*seqBlock
	norm   *NormLayer
	head   *LinearLayer
}

// NewSeqRegressor builds the network with parameters of dtype dt (initialise them with Params().Init).
func NewSeqRegressor(cfg SeqRegressorConfig, dt tensor.Dtype) (*SeqRegressor, error) {
	cfg = cfg.withDefaults()
	if cfg.Tokens <= 0 || cfg.TokenDim <= 0 || cfg.Out <= 0 || cfg.Width <= 0 || cfg.Depth <= 0 || cfg.Heads <= 0 ||
		cfg.Width%cfg.Heads != 0 || cfg.FF <= 0 {
		return nil, fmt.Errorf("nn: seq_regressor config %+v: need positive tokens, token_dim, out, width, depth, heads and ff, width divisible by heads", cfg)
	}
	m := &SeqRegressor{cfg: cfg, ps: newParams(dt)}
	ps, D := m.ps, cfg.Width
	// PyTorch's state_dict lists a module's own parameters before its children's: pos_embed first.
	m.pos = ps.add("pos_embed", true, normal(0.02), cfg.Tokens, D)
	m.embed = NewLinear(ps, "embed", cfg.TokenDim, D, true)
	for i := 0; i < cfg.Depth; i++ {
		name := fmt.Sprintf("blocks.%d", i)
		m.blocks = append(m.blocks, &seqBlock{
			norm1: NewLayerNorm(ps, name+".norm1", D, 1e-5, true),
			attn:  NewAttention(ps, name+".attn", D, cfg.Heads, cfg.Causal),
			norm2: NewLayerNorm(ps, name+".norm2", D, 1e-5, true),
			fc1:   NewLinear(ps, name+".mlp.fc1", D, cfg.FF, true),
			fc2:   NewLinear(ps, name+".mlp.fc2", cfg.FF, D, true),
		})
	}
	m.norm = NewLayerNorm(ps, "norm", D, 1e-5, true)
	m.head = NewLinear(ps, "head", D, cfg.Out, true)
	return m, nil
}

// In implements Regressor: Tokens * TokenDim.
func (m *SeqRegressor) In() int { return m.cfg.Tokens * m.cfg.TokenDim }

// Out implements Regressor.
func (m *SeqRegressor) Out() int { return m.cfg.Out }

// Params implements Regressor.
func (m *SeqRegressor) Params() *Params { return m.ps }

// Config returns the configuration with defaults filled in.
func (m *SeqRegressor) Config() SeqRegressorConfig { return m.cfg }

// Spec implements Regressor.
func (m *SeqRegressor) Spec() Spec {
	c := m.cfg
	return Spec{Arch: "seq_regressor", SeqRegressor: &c}
}

// Forward implements Regressor.
func (m *SeqRegressor) Forward(b *Builder, x *G.Node) *G.Node {
	if !b.ok(x) {
		return nil
	}
	xs := x.Shape()
	if len(xs) != 2 || xs[1] != m.In() {
		return b.failf("seq_regressor input %v, want [B, %d]", xs, m.In())
	}
	B, L, D := xs[0], m.cfg.Tokens, m.cfg.Width
	h := b.Reshape(x, B, L, m.cfg.TokenDim)
	h = b.AddBias(m.embed.Forward(b, h), b.Param(m.pos))
	for _, blk := range m.blocks {
		h = b.Add(h, blk.attn.Forward(b, blk.norm1.Forward(b, h), nil))
		z := blk.fc2.Forward(b, b.Act(blk.fc1.Forward(b, blk.norm2.Forward(b, h)), GELU))
		h = b.Add(h, z)
	}
	// LayerNorm acts per token: normalising only the last token is the same and cheaper.
	last := b.SliceCols(b.Reshape(h, B, L*D), (L-1)*D, D)
	return m.head.Forward(b, m.norm.Forward(b, last))
}
