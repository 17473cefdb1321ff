//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"slices"
	"strings"
)

// unetNet is a TemporalUnet's parameters and activations on the device.
type unetNet struct {
	d        *Device
	u        TemporalUnet // configuration; Tensors dropped after the upload
	blocks   []unetBlock
	params   Buffer
	p        map[string]Buffer // device-layout parameters by state_dict name, slices of params
	cond     Buffer            // the condition (a slice of params): one row, one row per point, or zero length
	perPoint bool              // cond holds one row per point
	// Time path (one row: every point shares t), slices of one allocation: emb [d], hidden [4d], memb [e],
	// the condition MLP's hidden layers [d] and [4d], then each block's time projection.
	time Buffer
	proj map[string]Buffer
	// With per-point conditions, the condition path per point, slices of one allocation: the time
	// embedding broadcast to every point [maxPoints, d], the condition MLP's layers [maxPoints, d],
	// [maxPoints, 4d], [maxPoints, d], memb [maxPoints, 2d], then each block's projection [maxPoints, out].
	point     Buffer
	pointProj map[string]Buffer
	skips     []Buffer  // per resolution, the down path's output
	work      [5]Buffer // activations, each maxPoints*Horizon*2*max width
	xin       Buffer    // the scaled input (EDM's c_in)
	prec      Precision // of every convolution and Linear layer: FP32, TF32 or BF16
}

// checkNetwork is what every network predictor checks first: a device, a valid network and
// parameterisation, and float32 (their kernels have no TF32/BF16 path; the U-Nets, which have both, check
// with checkNetworkPrec).
func checkNetwork(d *Device, arch string, validate func() error, pz Parameterization, opt PredictorOptions) error {
	return checkNetworkPrec(d, arch, validate, pz, opt)
}

// checkNetworkPrec is checkNetwork for a network whose kernels also run in the precisions alts.
func checkNetworkPrec(d *Device, arch string, validate func() error, pz Parameterization, opt PredictorOptions, alts ...Precision) error {
	if d == nil {
		return fmt.Errorf("gpu: network predictor without a device")
	}
	if err := validate(); err != nil {
		return err
	}
	if err := pz.Validate(); err != nil {
		return err
	}
	if opt.Precision != FP32 && !slices.Contains(alts, opt.Precision) {
		if len(alts) == 0 {
			return fmt.Errorf("gpu: %s runs in fp32 only, not %v", arch, opt.Precision)
		}
		names := []string{"fp32"}
		for _, p := range alts {
			names = append(names, p.String())
		}
		return fmt.Errorf("gpu: %s runs in %s, not %v", arch, strings.Join(names, ", "), opt.Precision)
	}
	return nil
}

// NewUnetPredictor uploads a TemporalUnet's parameters to d and allocates its activations for batches of up
// to maxPoints points (windows of Horizon x Transition values); pz says how its output becomes x0. Every
// convolution and Linear layer runs in opt.Precision: FP32 (exact float32, the default), TF32 or BF16 (the
// same implicit GEMMs on the tensor cores, operands rounded to TF32 or bfloat16; group norm, the time
// embedding and the combinations stay float32). A conditional network runs without its
// condition, with opt.Cond (CondDim values) for every window, or with opt.PointConds (one row per window);
// opt.Guidance adds the unconditional pass of classifier-free guidance.
func NewUnetPredictor(d *Device, u *TemporalUnet, pz Parameterization, maxPoints int, opt PredictorOptions) (*Predictor, error) {
	if err := checkNetworkPrec(d, "TemporalUnet", u.Validate, pz, opt, TF32, BFloat16); err != nil {
		return nil, err
	}
	if maxPoints < 1 || maxPoints > 65535 || maxPoints*u.Horizon > linearMaxRows {
		return nil, fmt.Errorf("gpu: TemporalUnet predictor for %d points (want 1 to 65535, and at most %d positions)", maxPoints, linearMaxRows)
	}
	cond, stride, err := opt.condition(u.CondDim, maxPoints)
	if err != nil {
		return nil, fmt.Errorf("%w (TemporalUnet)", err)
	}
	n, err := newUnetNet(d, u, maxPoints, cond, stride > 0)
	if err != nil {
		return nil, err
	}
	n.prec = opt.Precision
	return newPredictor(d, n, u.Horizon*u.Transition, pz, maxPoints, opt.Guidance)
}

func newUnetNet(d *Device, u *TemporalUnet, maxPoints int, cond []float32, perPoint bool) (*unetNet, error) {
	n := &unetNet{d: d, u: *u, blocks: u.blocks(), proj: map[string]Buffer{}, perPoint: perPoint}
	n.u.Tensors = nil
	fail := func(err error) (*unetNet, error) {
		n.close()
		return nil, err
	}
	// Parameters in device layouts (convolutions [k in, out], Linear weights [in, out]), then the condition.
	var pack paramPack
	spans := pack.placeTensors(u.Tensors, u.tensorShapes(), func(name string, sh []int, v []float32) []float32 {
		switch {
		case len(sh) == 3 && strings.HasPrefix(name, "ups.") && strings.HasSuffix(name, ".3.conv.weight"):
			return ConvTranspose1dDeviceWeight(v, sh[0], sh[1], sh[2])
		case len(sh) == 3:
			return Conv1dDeviceWeight(v, sh[0], sh[1], sh[2])
		case len(sh) == 2:
			return transposeLinear(v, sh[0], sh[1])
		}
		return v
	})
	cs := pack.place(cond)
	var err error
	if n.params, err = pack.upload(d, "TemporalUnet"); err != nil {
		return fail(err)
	}
	n.p = paramSlices(n.params, spans)
	n.cond = n.params.Slice(cs[0], cs[1])
	// The time path.
	dim := u.Dim
	projTotal := 0
	for _, b := range n.blocks {
		projTotal += b.out
	}
	if n.time, err = d.Alloc(12*dim + projTotal); err != nil {
		return fail(fmt.Errorf("gpu: TemporalUnet time path: %w", err))
	}
	off := 12 * dim
	for _, b := range n.blocks {
		n.proj[b.name] = n.time.Slice(off, off+b.out)
		off += b.out
	}
	if perPoint {
		if n.point, err = d.Alloc(maxPoints * (9*dim + projTotal)); err != nil {
			return fail(fmt.Errorf("gpu: TemporalUnet per-point condition path for %d points: %w", maxPoints, err))
		}
		n.pointProj = map[string]Buffer{}
		off := maxPoints * 9 * dim
		for _, b := range n.blocks {
			n.pointProj[b.name] = n.point.Slice(off, off+maxPoints*b.out)
			off += maxPoints * b.out
		}
	}
	// Activations.
	dims := u.widths()
	widest := 0
	for _, c := range dims {
		widest = max(widest, 2*c)
	}
	for i := range n.work {
		if n.work[i], err = d.Alloc(maxPoints * u.Horizon * widest); err != nil {
			return fail(fmt.Errorf("gpu: TemporalUnet activations for %d points: %w", maxPoints, err))
		}
	}
	for i := range u.DimMults {
		sk, err := d.Alloc(maxPoints * (u.Horizon >> i) * dims[i+1])
		if err != nil {
			return fail(fmt.Errorf("gpu: TemporalUnet skips for %d points: %w", maxPoints, err))
		}
		n.skips = append(n.skips, sk)
	}
	if n.xin, err = d.Alloc(maxPoints * u.Horizon * u.Transition); err != nil {
		return fail(fmt.Errorf("gpu: TemporalUnet input for %d points: %w", maxPoints, err))
	}
	return n, nil
}

// free returns a work buffer, sliced to size, that is none of the given buffers. At most four are busy at
// once (a block's input, output and two intermediates), so one of the five is always free.
func (n *unetNet) free(size int, busy ...Buffer) (Buffer, error) {
	return freeWork(n.work[:], size, "TemporalUnet", busy)
}

// freeWork returns one of the work buffers that is none of busy, sliced to size (an error naming arch if
// all are busy, which the networks' buffer counts rule out).
func freeWork(work []Buffer, size int, arch string, busy []Buffer) (Buffer, error) {
	for _, w := range work {
		used := false
		for _, b := range busy {
			if b.ptr == w.ptr {
				used = true
			}
		}
		if !used {
			return w.Slice(0, size), nil
		}
	}
	return Buffer{}, fmt.Errorf("gpu: %s ran out of work buffers", arch)
}

// linearF32 enqueues y [m, n] = act(x [m, k] wt [k, n] + b) with linear_f32.
func (s *Stream) linearF32(y, x, wt, b Buffer, m, n, k int, act Activation) error {
	return s.linearIn(FP32, y, x, wt, b, m, n, k, act)
}

// linearIn is linearF32 in precision prec: linear_f32 or, for TF32 and BF16, linear_tf32 and linear_bf16
// (the tensor-core tiles).
func (s *Stream) linearIn(prec Precision, y, x, wt, b Buffer, m, n, k int, act Activation) error {
	kern, err := precKernel(prec, kLinear, kLinearTF32, kLinearBF16)
	if err != nil {
		return err
	}
	const tile = 64 // LIN_BM, LIN_BN of kernels/tile_f32.cuh (TC_BM, TC_BN of tile_tf32.cuh)
	return s.d.do(func() error {
		return s.launch(kern, (n+tile-1)/tile, (m+tile-1)/tile, 256, 0, pArg(y.ptr), pArg(x.ptr), pArg(wt.ptr), pArg(b.ptr),
			iArg(int64(m)), iArg(int64(n)), iArg(int64(k)), iArg(int64(act)))
	})
}

// convBlock enqueues y = Mish(GN(conv(x))) for the Conv1dBlock `name` over [npts, L, in] -> [npts, L, out].
func (n *unetNet) convBlock(s *Stream, name string, y, x Buffer, npts, L, in, out int) error {
	k := n.u.Kernel
	c := Conv1dShape{Batch: npts, Length: L, In: in, Out: out, Kernel: k, Stride: 1, Padding: k / 2, Dilation: 1}
	if err := s.conv1dIn(n.prec, y, x, n.p[name+".block.0.weight"], n.p[name+".block.0.bias"], c, ActIdentity); err != nil {
		return err
	}
	return s.GroupNormAct(y, y, n.p[name+".block.2.weight"], n.p[name+".block.2.bias"], npts, L, out, n.u.Groups, 1e-5, ActMish)
}

// block enqueues the residual block b: y = Mish(GN(conv(h))) + skip, h = Mish(GN(conv(x))) + proj_b, with
// proj_b one row for the batch, or one row per window (each window's L positions) when perPoint.
func (n *unetNet) block(s *Stream, b unetBlock, y, x Buffer, npts, L int, perPoint bool) error {
	rows := npts * L
	h, err := n.free(rows*b.out, x, y)
	if err != nil {
		return err
	}
	g, err := n.free(rows*b.out, x, y, h)
	if err != nil {
		return err
	}
	if err := n.convBlock(s, b.name+".blocks.0", h, x, npts, L, b.in, b.out); err != nil {
		return err
	}
	proj, group := n.proj[b.name], 0
	if perPoint {
		proj, group = n.pointProj[b.name], L
	}
	if err := s.d.do(func() error {
		return s.grid1(kBiasAct, int64(rows*b.out), pArg(h.ptr), pArg(proj.ptr), iArg(int64(rows)), iArg(int64(b.out)), iArg(int64(ActIdentity)), iArg(int64(group)))
	}); err != nil {
		return err
	}
	if err := n.convBlock(s, b.name+".blocks.1", g, h, npts, L, b.out, b.out); err != nil {
		return err
	}
	if b.in == b.out {
		return s.Combine(y, Term{Coef: 1, Buf: g}, Term{Coef: 1, Buf: x})
	}
	c := Conv1dShape{Batch: npts, Length: L, In: b.in, Out: b.out, Kernel: 1, Stride: 1, Dilation: 1}
	if err := s.conv1dIn(n.prec, y, x, n.p[b.name+".residual_conv.weight"], n.p[b.name+".residual_conv.bias"], c, ActIdentity); err != nil {
		return err
	}
	return s.Combine(y, Term{Coef: 1, Buf: g}, Term{Coef: 1, Buf: y})
}

// forward implements deviceNet.
func (n *unetNet) forward(s *Stream, out, x Buffer, npts int, xs, tau float64, withCond bool) error {
	u := &n.u
	dim, levels, dims := u.Dim, len(u.DimMults), u.widths()
	h := x
	if xs != 1 {
		h = n.xin.Slice(0, x.n)
		if err := s.Combine(h, Term{Coef: xs, Buf: x}); err != nil {
			return err
		}
	}
	// The time MLP on one row (all points share t), then every block's projection of Mish(emb).
	e := u.embedWidth()
	emb, hid, memb := n.time.Slice(0, dim), n.time.Slice(dim, 5*dim), n.time.Slice(5*dim, 5*dim+e)
	err := s.d.do(func() error {
		return s.grid1(kNetInput, int64(dim), pArg(emb.ptr), pArg(emb.ptr), iArg(1), iArg(0), iArg(int64(dim)), iArg(0),
			fArg(1), fArg(tau), pArg(emb.ptr), iArg(0), pArg(emb.ptr), iArg(0), iArg(0))
	})
	if err != nil {
		return err
	}
	if err := s.linearIn(n.prec, hid, emb, n.p["time_mlp.1.weight"], n.p["time_mlp.1.bias"], 1, 4*dim, dim, ActMish); err != nil {
		return err
	}
	if err := s.linearIn(n.prec, memb.Slice(0, dim), hid, n.p["time_mlp.3.weight"], n.p["time_mlp.3.bias"], 1, dim, 4*dim, ActMish); err != nil {
		return err
	}
	perPoint := n.perPoint && withCond
	if perPoint {
		if err := n.pointEmbedding(s, memb.Slice(0, dim), npts); err != nil {
			return err
		}
	} else if u.CondDim > 0 {
		// memb's second half: Mish(cond_mlp(c)) for a fixed condition, Mish(0) = 0 without one (keep 0).
		mc := memb.Slice(dim, 2*dim)
		if n.cond.n == 0 || !withCond {
			if err := s.Fill(mc, 0); err != nil {
				return err
			}
		} else {
			h1, h2 := n.time.Slice(7*dim, 8*dim), n.time.Slice(8*dim, 12*dim)
			if err := s.linearIn(n.prec, h1, n.cond, n.p["cond_mlp.0.weight"], n.p["cond_mlp.0.bias"], 1, dim, u.CondDim, ActMish); err != nil {
				return err
			}
			if err := s.linearIn(n.prec, h2, h1, n.p["cond_mlp.2.weight"], n.p["cond_mlp.2.bias"], 1, 4*dim, dim, ActMish); err != nil {
				return err
			}
			if err := s.linearIn(n.prec, mc, h2, n.p["cond_mlp.4.weight"], n.p["cond_mlp.4.bias"], 1, dim, 4*dim, ActMish); err != nil {
				return err
			}
		}
	}
	for _, b := range n.blocks {
		if perPoint {
			continue // pointEmbedding projected every point's memb
		}
		if err := s.linearIn(n.prec, n.proj[b.name], memb, n.p[b.name+".time_mlp.1.weight"], n.p[b.name+".time_mlp.1.bias"], 1, b.out, e, ActIdentity); err != nil {
			return err
		}
	}
	bi := 0
	next := func() unetBlock { b := n.blocks[bi]; bi++; return b }
	L := u.Horizon
	for i := 0; i < levels; i++ {
		b0, b1 := next(), next()
		t, err := n.free(npts*L*b0.out, h)
		if err != nil {
			return err
		}
		if err := n.block(s, b0, t, h, npts, L, perPoint); err != nil {
			return fmt.Errorf("gpu: TemporalUnet %s: %w", b0.name, err)
		}
		skip := n.skips[i].Slice(0, npts*L*b1.out)
		if err := n.block(s, b1, skip, t, npts, L, perPoint); err != nil {
			return fmt.Errorf("gpu: TemporalUnet %s: %w", b1.name, err)
		}
		h = skip
		if i < levels-1 {
			c := Conv1dShape{Batch: npts, Length: L, In: b1.out, Out: b1.out, Kernel: 3, Stride: 2, Padding: 1, Dilation: 1}
			down, err := n.free(npts*c.OutLength()*b1.out, h)
			if err != nil {
				return err
			}
			name := fmt.Sprintf("downs.%d.3.conv", i)
			if err := s.conv1dIn(n.prec, down, h, n.p[name+".weight"], n.p[name+".bias"], c, ActIdentity); err != nil {
				return fmt.Errorf("gpu: TemporalUnet %s: %w", name, err)
			}
			h, L = down, c.OutLength()
		}
	}
	for j := 0; j < 2; j++ {
		b := next()
		t, err := n.free(npts*L*b.out, h)
		if err != nil {
			return err
		}
		if err := n.block(s, b, t, h, npts, L, perPoint); err != nil {
			return fmt.Errorf("gpu: TemporalUnet %s: %w", b.name, err)
		}
		h = t
	}
	for i := 0; i < levels-1; i++ {
		sk, c2 := n.skips[levels-1-i], dims[levels-i]
		c1 := dims[levels-i]
		cat, err := n.free(npts*L*(c1+c2), h)
		if err != nil {
			return err
		}
		if err := s.ConcatChannels(cat, h, sk.Slice(0, npts*L*c2), npts*L, c1, c2); err != nil {
			return fmt.Errorf("gpu: TemporalUnet ups.%d skip: %w", i, err)
		}
		b0, b1 := next(), next()
		t, err := n.free(npts*L*b0.out, cat)
		if err != nil {
			return err
		}
		if err := n.block(s, b0, t, cat, npts, L, perPoint); err != nil {
			return fmt.Errorf("gpu: TemporalUnet %s: %w", b0.name, err)
		}
		t2, err := n.free(npts*L*b1.out, t)
		if err != nil {
			return err
		}
		if err := n.block(s, b1, t2, t, npts, L, perPoint); err != nil {
			return fmt.Errorf("gpu: TemporalUnet %s: %w", b1.name, err)
		}
		c := Conv1dShape{Batch: npts, Length: L, In: b1.out, Out: b1.out, Kernel: 4, Stride: 2, Padding: 1, Dilation: 1}
		up, err := n.free(npts*c.TransposedLength()*b1.out, t2)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("ups.%d.3.conv", i)
		if err := s.convTranspose1dIn(n.prec, up, t2, n.p[name+".weight"], n.p[name+".bias"], c, ActIdentity); err != nil {
			return fmt.Errorf("gpu: TemporalUnet %s: %w", name, err)
		}
		h, L = up, c.TransposedLength()
	}
	f, err := n.free(npts*L*dim, h)
	if err != nil {
		return err
	}
	if err := n.convBlock(s, "final_conv.0", f, h, npts, L, dim, dim); err != nil {
		return fmt.Errorf("gpu: TemporalUnet final_conv.0: %w", err)
	}
	c := Conv1dShape{Batch: npts, Length: L, In: dim, Out: u.Transition, Kernel: 1, Stride: 1, Dilation: 1}
	return s.conv1dIn(n.prec, out, f, n.p["final_conv.1.weight"], n.p["final_conv.1.bias"], c, ActIdentity)
}

// pointEmbedding enqueues every point's memb = [Mish(emb(t)) | Mish(cond_mlp(c_i))] for npts points with
// their own condition rows c_i (mt, the first half, is the batch's one time row), and each block's
// projection of it, pointProj[b] [npts, out] = memb W_b^T + b_b: the one-row path's arithmetic per point.
func (n *unetNet) pointEmbedding(s *Stream, mt Buffer, npts int) error {
	u := &n.u
	dim := u.Dim
	at := func(off, width int) Buffer { return n.point.Slice(off*n.maxPoints(), off*n.maxPoints()+npts*width) }
	bt, h1, h2, mc, memb := at(0, dim), at(dim, dim), at(2*dim, 4*dim), at(6*dim, dim), at(7*dim, 2*dim)
	// The time half broadcast: bt[i, c] = 0 + mt[c].
	if err := s.Fill(bt, 0); err != nil {
		return err
	}
	if err := s.d.do(func() error {
		return s.grid1(kBiasAct, int64(npts*dim), pArg(bt.ptr), pArg(mt.ptr), iArg(int64(npts)), iArg(int64(dim)), iArg(int64(ActIdentity)), iArg(0))
	}); err != nil {
		return err
	}
	rows := n.cond.Slice(0, npts*u.CondDim)
	if err := s.linearIn(n.prec, h1, rows, n.p["cond_mlp.0.weight"], n.p["cond_mlp.0.bias"], npts, dim, u.CondDim, ActMish); err != nil {
		return err
	}
	if err := s.linearIn(n.prec, h2, h1, n.p["cond_mlp.2.weight"], n.p["cond_mlp.2.bias"], npts, 4*dim, dim, ActMish); err != nil {
		return err
	}
	if err := s.linearIn(n.prec, mc, h2, n.p["cond_mlp.4.weight"], n.p["cond_mlp.4.bias"], npts, dim, 4*dim, ActMish); err != nil {
		return err
	}
	if err := s.ConcatChannels(memb, bt, mc, npts, dim, dim); err != nil {
		return err
	}
	for _, b := range n.blocks {
		proj := n.pointProj[b.name].Slice(0, npts*b.out)
		if err := s.linearIn(n.prec, proj, memb, n.p[b.name+".time_mlp.1.weight"], n.p[b.name+".time_mlp.1.bias"], npts, b.out, 2*dim, ActIdentity); err != nil {
			return err
		}
	}
	return nil
}

// maxPoints is the batch the per-point buffers were sized for.
func (n *unetNet) maxPoints() int { return n.cond.n / n.u.CondDim }

// close implements deviceNet.
func (n *unetNet) close() error {
	bufs := []*Buffer{&n.params, &n.time, &n.xin, &n.point}
	for i := range n.work {
		bufs = append(bufs, &n.work[i])
	}
	for i := range n.skips {
		bufs = append(bufs, &n.skips[i])
	}
	first := n.d.freeAll(bufs...)
	n.p, n.proj = nil, nil
	return first
}
