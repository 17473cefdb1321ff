//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
)

// Predictor is a trained network on the device as a Denoiser: the weights are uploaded once (float32, each
// Linear weight transposed to [in, out] for the row-major product), and the activations of up to MaxPoints
// points are allocated once, so Denoise only enqueues kernels: the network's forward pass (for an MLP: the
// input assembly, net_input_f32, and one launch per Linear layer with its bias and activation, linear_f32
// or GemmTF32 and bias_act_f32 or linear_bf16; for the U-Nets their convolutions, see NewUnetPredictor) and the
// conversion to x0 (one combine). It can therefore be captured into a CUDA graph with the rest of a sampler
// step. A Predictor is not safe for concurrent use: its activation buffers serve one stream at a time.
type Predictor struct {
	d         *Device
	dim       int
	pz        Parameterization
	maxPoints int
	net       deviceNet
	out       Buffer  // the network's output before the conversion to x0
	guidance  float64 // classifier-free guidance weight, 0 for none
	outU      Buffer  // with guidance: the unconditional pass's output
}

// deviceNet is a network's forward pass on the device, with its parameters and activations allocated.
type deviceNet interface {
	// forward enqueues out = F(xs x, tau) for npts points (out holds npts*Dim values), with the network's
	// condition when cond is true (and it has one), without it (keep = 0) otherwise.
	forward(s *Stream, out, x Buffer, npts int, xs, tau float64, cond bool) error
	close() error
}

// mlpNet is an MLP's parameters and activations on the device.
type mlpNet struct {
	d       *Device
	net     MLP // shapes and settings; the parameter slices are dropped after the upload
	widths  []int
	opt     PredictorOptions
	params  Buffer   // every parameter in one allocation
	wt, b   []Buffer // per layer: the transposed weight [in, out] and the bias, slices of params
	freqs   Buffer   // the Fourier frequencies (a slice of params; params itself when sinusoidal)
	cond    Buffer   // the condition, one row or one per point (a slice of params; params itself when none)
	hasCond bool
	cstride int // values between points' condition rows: 0 (shared) or CondDim (per point)
	act     [2]Buffer
}

// paramAlign is the alignment of each parameter slice in floats (256 bytes, cuMemAlloc's): the tensor-core
// GEMM takes its 16-byte-copy path only on aligned operands.
const paramAlign = 64

// linearMaxRows is the most rows linear_f32 covers (grid y of 65535 blocks of 64 rows).
const linearMaxRows = 65535 * 64

// NewPredictor uploads net's parameters to d and allocates its activations for batches of up to maxPoints
// points; pz says how its output becomes x0.
func NewPredictor(d *Device, net *MLP, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	if d == nil {
		return nil, fmt.Errorf("gpu: network predictor without a device")
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	if err := pz.Validate(); err != nil {
		return nil, err
	}
	if maxPoints < 1 || maxPoints > linearMaxRows {
		return nil, fmt.Errorf("gpu: network predictor for %d points (want 1 to %d)", maxPoints, linearMaxRows)
	}
	if opt.Precision != FP32 && opt.Precision != TF32 && opt.Precision != BFloat16 {
		return nil, fmt.Errorf("gpu: unknown precision %v", opt.Precision)
	}
	cond, stride, err := opt.condition(net.CondDim, maxPoints)
	if err != nil {
		return nil, err
	}
	n, err := newMLPNet(d, net, maxPoints, opt, cond, stride)
	if err != nil {
		return nil, err
	}
	return newPredictor(d, n, net.Dim, pz, maxPoints, opt.Guidance)
}

// newPredictor completes a Predictor around a network on the device (which it then owns).
func newPredictor(d *Device, n deviceNet, dim int, pz Parameterization, maxPoints int, guidance float64) (*Predictor, error) {
	p := &Predictor{d: d, dim: dim, pz: pz, maxPoints: maxPoints, net: n, guidance: guidance}
	var err error
	if p.out, err = d.Alloc(maxPoints * dim); err != nil {
		p.Close()
		return nil, fmt.Errorf("gpu: network output for %d points: %w", maxPoints, err)
	}
	if guidance != 0 {
		if p.outU, err = d.Alloc(maxPoints * dim); err != nil {
			p.Close()
			return nil, fmt.Errorf("gpu: unconditional network output for %d points: %w", maxPoints, err)
		}
	}
	return p, nil
}

// newMLPNet uploads an MLP's parameters and its condition (cond, rows stride values apart; nil for none)
// and allocates its activations for maxPoints points.
func newMLPNet(d *Device, net *MLP, maxPoints int, opt PredictorOptions, cond []float32, stride int) (*mlpNet, error) {
	p := &mlpNet{d: d, opt: opt, widths: net.Widths(), hasCond: cond != nil, cstride: stride}
	p.opt.Cond, p.opt.PointConds = nil, nil // uploaded below
	p.net = MLP{Dim: net.Dim, CondDim: net.CondDim, TimeDim: net.TimeDim, Act: net.Act}
	if net.Freqs != nil {
		p.net.Freqs = []float32{} // marks the Fourier embedding; the values live on the device
	}

	// Lay out the parameters: per layer W^T then b, then the frequencies and the condition.
	var pack paramPack
	var wts, bs [][2]int
	in := net.InputWidth()
	widest := in
	for i, w := range net.Weights {
		out := len(net.Biases[i])
		t := make([]float32, len(w))
		for r := 0; r < out; r++ {
			for c := 0; c < in; c++ {
				t[c*out+r] = w[r*in+c]
			}
		}
		wts, bs = append(wts, pack.place(t)), append(bs, pack.place(net.Biases[i]))
		in, widest = out, max(widest, out)
	}
	var fspan, cspan [2]int
	if net.Freqs != nil {
		fspan = pack.place(net.Freqs)
	}
	if cond != nil {
		cspan = pack.place(cond)
	}
	fail := func(err error) (*mlpNet, error) {
		p.close()
		return nil, err
	}
	var err error
	if p.params, err = pack.upload(d, "MLP"); err != nil {
		return fail(err)
	}
	for i := range wts {
		p.wt = append(p.wt, p.params.Slice(wts[i][0], wts[i][1]))
		p.b = append(p.b, p.params.Slice(bs[i][0], bs[i][1]))
	}
	p.freqs, p.cond = p.params, p.params
	if net.Freqs != nil {
		p.freqs = p.params.Slice(fspan[0], fspan[1])
	}
	if cond != nil {
		p.cond = p.params.Slice(cspan[0], cspan[1])
	}
	for i := range p.act {
		if p.act[i], err = d.Alloc(maxPoints * widest); err != nil {
			return fail(fmt.Errorf("gpu: network activations for %d points: %w", maxPoints, err))
		}
	}
	return p, nil
}

// Dim implements Denoiser.
func (p *Predictor) Dim() int { return p.dim }

// MaxPoints is the largest batch (in points) the predictor's buffers hold.
func (p *Predictor) MaxPoints() int { return p.maxPoints }

// Denoise implements Denoiser: dst = D(x, t) = p x + q F(s x, tau) (Parameterization.Affine), enqueued on s.
// dst may be x.
func (p *Predictor) Denoise(s *Stream, dst, x Buffer, t float64) error {
	xs, tau, cx, cf, err := p.pz.Affine(t)
	if err != nil {
		return err
	}
	npts, err := p.points(dst, x)
	if err != nil {
		return err
	}
	terms, err := p.output(s, x, npts, xs, tau, cf)
	if err != nil {
		return err
	}
	if cx != 0 {
		terms = append([]Term{{Coef: cx, Buf: x}}, terms...)
	}
	return s.Combine(dst, terms...)
}

// output enqueues the network's pass(es) on npts points of x and returns the terms of c F(xs x, tau) for
// one combine: c out without guidance; with weight w, c w out_c - c (w - 1) out_u, which is c (out_c +
// (w - 1)(out_c - out_u)) (train's guided network) summed in double and rounded once by the combine.
func (p *Predictor) output(s *Stream, x Buffer, npts int, xs, tau, c float64) ([]Term, error) {
	out := p.out.Slice(0, npts*p.dim)
	if err := p.net.forward(s, out, x, npts, xs, tau, true); err != nil {
		return nil, err
	}
	if p.guidance == 0 {
		return []Term{{Coef: c, Buf: out}}, nil
	}
	u := p.outU.Slice(0, npts*p.dim)
	if err := p.net.forward(s, u, x, npts, xs, tau, false); err != nil {
		return nil, fmt.Errorf("gpu: unconditional pass: %w", err)
	}
	w := p.guidance
	return []Term{{Coef: c * w, Buf: out}, {Coef: -c * (w - 1), Buf: u}}, nil
}

// Forward enqueues the network's raw output dst = F(x, t) (what nn.Predictor.Predict returns), without the
// conversion to x0. dst may be x.
func (p *Predictor) Forward(s *Stream, dst, x Buffer, t float64) error {
	npts, err := p.points(dst, x)
	if err != nil {
		return err
	}
	if p.guidance == 0 {
		out := p.out.Slice(0, npts*p.dim)
		if err := p.net.forward(s, out, x, npts, 1, t, true); err != nil {
			return err
		}
		return s.Copy(dst, out)
	}
	terms, err := p.output(s, x, npts, 1, t, 1)
	if err != nil {
		return err
	}
	return s.Combine(dst, terms...)
}

// points checks a batch against the predictor and returns its number of points.
func (p *Predictor) points(dst, x Buffer) (int, error) {
	D := p.dim
	if x.n != dst.n || x.n == 0 || x.n%D != 0 {
		return 0, fmt.Errorf("gpu: network of dimension %d: x has %d values, dst %d", D, x.n, dst.n)
	}
	if n := x.n / D; n > p.maxPoints {
		return 0, fmt.Errorf("gpu: network predictor sized for %d points, got %d", p.maxPoints, n)
	}
	return x.n / D, nil
}

// forward implements deviceNet.
func (p *mlpNet) forward(s *Stream, out, x Buffer, npts int, xs, tau float64, cond bool) error {
	m := &p.net
	width := m.InputWidth()
	in := p.act[0].Slice(0, npts*width)
	fourier, hasCond := int64(0), int64(0)
	if m.Freqs != nil {
		fourier = 1
	}
	if p.hasCond && cond {
		hasCond = 1
	}
	err := s.d.do(func() error {
		return s.grid1(kNetInput, int64(npts*width), pArg(in.ptr), pArg(x.ptr), iArg(int64(npts)), iArg(int64(m.Dim)),
			iArg(int64(m.TimeDim)), iArg(int64(m.CondDim)), fArg(xs), fArg(tau), pArg(p.freqs.ptr), iArg(fourier),
			pArg(p.cond.ptr), iArg(hasCond), iArg(int64(p.cstride)))
	})
	if err != nil {
		return err
	}
	last := len(p.widths) - 1
	for i, n := range p.widths {
		y := out
		act := m.Act
		if i < last {
			y = p.act[(i+1)%2].Slice(0, npts*n)
		} else {
			act = ActIdentity
		}
		if err := p.linear(s, y, in, p.wt[i], p.b[i], npts, n, width, act); err != nil {
			return fmt.Errorf("gpu: network layer %d: %w", i, err)
		}
		in, width = y, n
	}
	return nil
}

// linear enqueues y [m, n] = act(x [m, k] wt [k, n] + b).
func (p *mlpNet) linear(s *Stream, y, x, wt, b Buffer, m, n, k int, act Activation) error {
	if p.opt.Precision == BFloat16 {
		return s.linearIn(BFloat16, y, x, wt, b, m, n, k, act) // linear_bf16: bias and activation fused, no alignment rules
	}
	if p.opt.Precision == TF32 {
		if err := s.GemmTF32(m, n, k, 1, x, k, wt, n, 0, y, n); err != nil {
			return err
		}
		return s.d.do(func() error {
			return s.grid1(kBiasAct, int64(m*n), pArg(y.ptr), pArg(b.ptr), iArg(int64(m)), iArg(int64(n)), iArg(int64(act)), iArg(0))
		})
	}
	const tile = 64 // LIN_BM, LIN_BN of kernels/linear.cu
	gx, gy := (n+tile-1)/tile, (m+tile-1)/tile
	return s.d.do(func() error {
		return s.launch(kLinear, gx, gy, 256, 0, pArg(y.ptr), pArg(x.ptr), pArg(wt.ptr), pArg(b.ptr),
			iArg(int64(m)), iArg(int64(n)), iArg(int64(k)), iArg(int64(act)))
	})
}

// Close frees the device memory.
func (p *Predictor) Close() error {
	var first error
	if p.net != nil {
		first = p.net.close()
		p.net = nil
	}
	for _, b := range []*Buffer{&p.out, &p.outU} {
		if b.ptr != 0 {
			if err := p.d.Free(*b); err != nil && first == nil {
				first = err
			}
			*b = Buffer{}
		}
	}
	return first
}

// close implements deviceNet.
func (p *mlpNet) close() error {
	var first error
	for _, b := range []*Buffer{&p.params, &p.act[0], &p.act[1]} {
		if b.ptr != 0 {
			if err := p.d.Free(*b); err != nil && first == nil {
				first = err
			}
			*b = Buffer{}
		}
	}
	p.wt, p.b = nil, nil
	return first
}
