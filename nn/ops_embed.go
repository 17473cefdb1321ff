package nn

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn/internal/kern"
)

// embedOp maps the times t [B] to features [B, dim]: sinusoidal (freqs nil) or random Fourier (freqs a
// buffer). It has no gradient: times are data and the Fourier frequencies are fixed.
type embedOp struct {
	op
	b, dim  int
	fourier bool
}

// Sinusoidal is the transformer/DDPM time embedding [sin(t f_i) | cos(t f_i)], f_i = 10000^(-i/(dim/2-1)),
// of t [B] (Diffuser's SinusoidalPosEmb). dim must be even and at least 4.
func (b *Builder) Sinusoidal(t *G.Node, dim int) *G.Node {
	if !b.ok(t) {
		return nil
	}
	if len(t.Shape()) != 1 || dim < 4 || dim%2 != 0 {
		return b.failf("Sinusoidal: t %v, dim %d (want t [B] and an even dim >= 4)", t.Shape(), dim)
	}
	B := t.Shape()[0]
	o := &embedOp{op: newOp("Sinusoidal", b.dt, tensor.Shape{B, dim}, t), b: B, dim: dim}
	return b.apply(o, o.diff, []*G.Node{t}, 0)
}

// Fourier is the random Fourier feature embedding [cos(2 pi f_i t) | sin(2 pi f_i t)] of t [B] with the
// frequency buffer freqs [F] (EDM's FourierEmbedding, freqs ~ N(0, scale^2)).
func (b *Builder) Fourier(t, freqs *G.Node) *G.Node {
	if !b.ok(t, freqs) {
		return nil
	}
	if len(t.Shape()) != 1 || len(freqs.Shape()) != 1 {
		return b.failf("Fourier: t %v and freqs %v, want [B] and [F]", t.Shape(), freqs.Shape())
	}
	B, F := t.Shape()[0], freqs.Shape()[0]
	o := &embedOp{op: newOp("Fourier", b.dt, tensor.Shape{B, 2 * F}, t, freqs), b: B, dim: 2 * F, fourier: true}
	return b.apply(o, o.diff, []*G.Node{t, freqs}, 0, 1)
}

func (o *embedOp) Do(in ...G.Value) (G.Value, error) {
	if err := o.check(in, o.b, o.dim/2); err != nil {
		return nil, err
	}
	y := o.output()
	if o.dt == tensor.Float32 {
		embedDo[float32](o, y, in)
	} else {
		embedDo[float64](o, y, in)
	}
	return y, nil
}

func embedDo[T Float](o *embedOp, y *tensor.Dense, in []G.Value) {
	if o.fourier {
		kern.FourierFwd(data[T](y), data[T](in[0]), data[T](in[1]))
	} else {
		kern.SinusoidalFwd(data[T](y), data[T](in[0]), o.dim)
	}
}

func (o *embedOp) UsePreallocDo(_ G.Value, in ...G.Value) (G.Value, error) { return o.Do(in...) }
func (o *embedOp) SymDiff(inputs G.Nodes, _, _ *G.Node) (G.Nodes, error) {
	return make(G.Nodes, len(inputs)), nil // times and frequencies carry no gradient
}
