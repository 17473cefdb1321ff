package nn

import (
	"encoding/json"
	"fmt"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Net is a denoising network bound to its parameters. It maps a noisy batch x [B, Shape()...], the times
// t [B] that the objective hands the network (diffusion.Example.NetTime: t, or EDM's c_noise) and, for a
// conditional network, a condition cond [B, CondDim()] with a keep mask keep [B] (1 uses the condition,
// 0 drops it: classifier-free guidance), to a prediction of x's shape, in whatever parameterisation the
// training objective regressed (eps, x0, v, velocity, or EDM's F).
type Net interface {
	// Shape is the shape of one example; Dim is its number of values (row-major).
	Shape() []int
	Dim() int
	// CondDim is the length of the condition vector, 0 for an unconditional network.
	CondDim() int
	// Params are the network's tensors in PyTorch state_dict order.
	Params() *Params
	// Spec describes the architecture, enough to rebuild the network (checkpoints).
	Spec() Spec
	// Forward adds the network to b's graph. cond and keep are nil for an unconditional network.
	Forward(b *Builder, x, t, cond, keep *G.Node) *G.Node
}

// Spec names an architecture and its configuration; it is the JSON a checkpoint stores next to the
// weights.
type Spec struct {
	Arch         string              `json:"arch"` // "mlp", "temporal_unet", "transformer", "egtn", "unet2d", "unet3d"; "regressor", "seq_regressor", "temporal_value" (NewRegressor)
	MLP          *MLPConfig          `json:"mlp,omitempty"`
	TemporalUnet *TemporalUnetConfig `json:"temporal_unet,omitempty"`
	Transformer  *TransformerConfig  `json:"transformer,omitempty"`
	EGTN         *EGTNConfig         `json:"egtn,omitempty"`
	Unet2D       *Unet2DConfig       `json:"unet2d,omitempty"`
	Unet3D       *Unet3DConfig       `json:"unet3d,omitempty"`
	Regressor    *RegressorConfig    `json:"regressor,omitempty"`
	SeqRegressor *SeqRegressorConfig `json:"seq_regressor,omitempty"`
	// TemporalValue configures arch "temporal_value", Diffuser's value model (a Regressor: NewRegressor).
	TemporalValue *TemporalValueConfig `json:"temporal_value,omitempty"`
}

// New builds the network with parameters of dtype dt initialised from seed.
func (s Spec) New(dt tensor.Dtype, seed uint64) (Net, error) {
	var (
		n   Net
		err error
	)
	switch s.Arch {
	case "mlp":
		if s.MLP == nil {
			return nil, fmt.Errorf("nn: spec %q without its mlp configuration", s.Arch)
		}
		n, err = NewMLP(*s.MLP, dt)
	case "temporal_unet":
		if s.TemporalUnet == nil {
			return nil, fmt.Errorf("nn: spec %q without its temporal_unet configuration", s.Arch)
		}
		n, err = NewTemporalUnet(*s.TemporalUnet, dt)
	case "transformer":
		if s.Transformer == nil {
			return nil, fmt.Errorf("nn: spec %q without its transformer configuration", s.Arch)
		}
		n, err = NewTransformer(*s.Transformer, dt)
	case "egtn":
		if s.EGTN == nil {
			return nil, fmt.Errorf("nn: spec %q without its egtn configuration", s.Arch)
		}
		n, err = NewEGTN(*s.EGTN, dt)
	case "unet2d":
		if s.Unet2D == nil {
			return nil, fmt.Errorf("nn: spec %q without its unet2d configuration", s.Arch)
		}
		n, err = NewUnet2D(*s.Unet2D, dt)
	case "unet3d":
		if s.Unet3D == nil {
			return nil, fmt.Errorf("nn: spec %q without its unet3d configuration", s.Arch)
		}
		n, err = NewUnet3D(*s.Unet3D, dt)
	case "regressor", "seq_regressor", "temporal_value":
		return nil, fmt.Errorf("nn: architecture %s is not a denoiser (it has no time input): build it with Spec.NewRegressor", s.Arch)
	default:
		return nil, fmt.Errorf("nn: unknown architecture %q (want mlp, temporal_unet, transformer, egtn, unet2d or unet3d)", s.Arch)
	}
	if err != nil {
		return nil, err
	}
	n.Params().Init(seed)
	return n, nil
}

// ParseSpec decodes a Spec from JSON, rejecting unknown fields.
func ParseSpec(data []byte) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Spec{}, fmt.Errorf("nn: parse spec: %w", err)
	}
	return s, nil
}

// activation parses an activation name ("" means the default).
func activation(name string, def Activation) (Activation, error) {
	switch name {
	case "":
		return def, nil
	case "mish":
		return Mish, nil
	case "silu", "swish":
		return SiLU, nil
	case "gelu":
		return GELU, nil
	case "identity":
		return Identity, nil
	case "relu":
		return ReLU, nil
	}
	return 0, fmt.Errorf("nn: unknown activation %q (want mish, silu, gelu, relu or identity)", name)
}

// timeEmbedding builds the configured time embedding ("sinusoidal" or "fourier").
func timeEmbedding(ps *Params, kind string, dim int, scale float64) (*TimeEmbedding, error) {
	if dim < 4 || dim%2 != 0 {
		return nil, fmt.Errorf("nn: time embedding width %d must be even and at least 4", dim)
	}
	switch kind {
	case "", "sinusoidal":
		return NewSinusoidal(dim), nil
	case "fourier":
		if scale == 0 {
			scale = 16
		}
		return NewFourier(ps, "time_embed", dim, scale), nil
	}
	return nil, fmt.Errorf("nn: unknown time embedding %q (want sinusoidal or fourier)", kind)
}

// checkForward validates the inputs of a network's Forward.
func checkForward(b *Builder, n Net, x, t, cond, keep *G.Node) bool {
	if !b.ok(x, t) {
		return false
	}
	xs := x.Shape()
	if len(xs) != len(n.Shape())+1 || !xs[1:].Eq(tensor.Shape(n.Shape())) {
		b.failf("network input %v, want [B, %v]", xs, n.Shape())
		return false
	}
	B := xs[0]
	if ts := t.Shape(); len(ts) != 1 || ts[0] != B {
		b.failf("network times %v, want [%d]", ts, B)
		return false
	}
	if n.CondDim() > 0 {
		if !b.ok(cond, keep) {
			return false
		}
		if cs := cond.Shape(); len(cs) != 2 || cs[0] != B || cs[1] != n.CondDim() {
			b.failf("network condition %v, want [%d, %d]", cs, B, n.CondDim())
			return false
		}
		if ks := keep.Shape(); len(ks) != 1 || ks[0] != B {
			b.failf("network keep mask %v, want [%d]", ks, B)
			return false
		}
	}
	return true
}
