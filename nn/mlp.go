package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MLPConfig configures the MLP denoiser.
type MLPConfig struct {
	Dim           int     `json:"dim"`                      // values per example
	CondDim       int     `json:"cond_dim,omitempty"`       // condition length (0: unconditional)
	Hidden        []int   `json:"hidden"`                   // hidden layer widths
	TimeDim       int     `json:"time_dim"`                 // time embedding width (even, >= 4)
	TimeEmbedding string  `json:"time_embedding,omitempty"` // "sinusoidal" (default) or "fourier"
	FourierScale  float64 `json:"fourier_scale,omitempty"`  // Fourier frequency scale (default 16)
	Act           string  `json:"act,omitempty"`            // hidden activation (default mish)
}

// MLP is a fully connected denoiser for low-dimensional data: the input [x | emb(t) | keep * cond] goes
// through Linear and activation layers; state_dict names are those of nn.Sequential ("net.0", "net.2",
// ...), plus "time_embed.freqs" for Fourier features.
type MLP struct {
	cfg    MLPConfig
	ps     *Params
	time   *TimeEmbedding
	layers []*LinearLayer
	act    Activation
}

// NewMLP builds an MLP denoiser with parameters of dtype dt (initialise them with Params().Init).
func NewMLP(cfg MLPConfig, dt tensor.Dtype) (*MLP, error) {
	if cfg.Dim <= 0 || cfg.CondDim < 0 || len(cfg.Hidden) == 0 {
		return nil, fmt.Errorf("nn: MLP config %+v: need dim > 0, cond_dim >= 0 and at least one hidden layer", cfg)
	}
	act, err := activation(cfg.Act, Mish)
	if err != nil {
		return nil, err
	}
	m := &MLP{cfg: cfg, ps: newParams(dt), act: act}
	if m.time, err = timeEmbedding(m.ps, cfg.TimeEmbedding, cfg.TimeDim, cfg.FourierScale); err != nil {
		return nil, err
	}
	in := cfg.Dim + cfg.TimeDim + cfg.CondDim
	for i, h := range cfg.Hidden {
		if h <= 0 {
			return nil, fmt.Errorf("nn: MLP hidden width %d", h)
		}
		m.layers = append(m.layers, NewLinear(m.ps, fmt.Sprintf("net.%d", 2*i), in, h, true))
		in = h
	}
	m.layers = append(m.layers, NewLinear(m.ps, fmt.Sprintf("net.%d", 2*len(cfg.Hidden)), in, cfg.Dim, true))
	return m, nil
}

// Shape implements Net.
func (m *MLP) Shape() []int { return []int{m.cfg.Dim} }

// Dim implements Net.
func (m *MLP) Dim() int { return m.cfg.Dim }

// CondDim implements Net.
func (m *MLP) CondDim() int { return m.cfg.CondDim }

// Params implements Net.
func (m *MLP) Params() *Params { return m.ps }

// Config returns the configuration with defaults filled in.
func (m *MLP) Config() MLPConfig { return m.cfg }

// Spec implements Net.
func (m *MLP) Spec() Spec {
	c := m.cfg
	return Spec{Arch: "mlp", MLP: &c}
}

// Forward implements Net.
func (m *MLP) Forward(b *Builder, x, t, cond, keep *G.Node) *G.Node {
	if !checkForward(b, m, x, t, cond, keep) {
		return nil
	}
	h := b.Concat(x, m.time.Forward(b, t))
	if m.cfg.CondDim > 0 {
		h = b.Concat(h, b.RowScale(cond, keep))
	}
	for i, l := range m.layers {
		h = l.Forward(b, h)
		if i < len(m.layers)-1 {
			h = b.Act(h, m.act)
		}
	}
	return h
}
