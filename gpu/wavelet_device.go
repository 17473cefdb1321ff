//go:build cuda || trajdiff_cuda

package gpu

import "fmt"

// The one-level DWT on the device (kernels/wavelet.cu): analysis, synthesis and the synthesis's adjoint along
// one axis, and the separable transforms over every axis built from them. filters holds a WaveletBank's
// Filters (4 Taps values) on the device; each call validates the shapes and enqueues on the stream.

// waveletOperand is one tensor of a call, with the value count its shape needs.
type waveletOperand struct {
	name string
	buf  Buffer
	want int
}

func (s *Stream) waveletCheck(what string, w WaveletAxis, filters Buffer, bufs ...waveletOperand) (int64, error) {
	if err := w.Validate(); err != nil {
		return 0, fmt.Errorf("gpu: %s: %w", what, err)
	}
	if filters.n != 4*w.Taps {
		return 0, fmt.Errorf("gpu: %s %+v: filters have %d values, want 4 x %d taps", what, w, filters.n, w.Taps)
	}
	for _, b := range bufs {
		if b.buf.n != b.want {
			return 0, fmt.Errorf("gpu: %s %+v: %s has %d values, want %d", what, w, b.name, b.buf.n, b.want)
		}
	}
	return waveletModeCode(w.Mode)
}

// DWTAxis enqueues the analysis (pywt.dwt along the middle axis): x [Outer, N, Inner] to the approximation a
// and the detail d, [Outer, CoeffLen(), Inner] each.
func (s *Stream) DWTAxis(a, d, x, filters Buffer, w WaveletAxis) error {
	mode, err := s.waveletCheck("dwt", w, filters, waveletOperand{"x", x, w.signal()},
		waveletOperand{"approximation", a, w.bands()}, waveletOperand{"detail", d, w.bands()})
	if err != nil {
		return err
	}
	return s.d.do(func() error {
		return s.grid1(kDWTAxis, int64(w.bands()), pArg(a.ptr), pArg(d.ptr), pArg(x.ptr), pArg(filters.ptr),
			iArg(int64(w.Outer)), iArg(int64(w.N)), iArg(int64(w.Inner)), iArg(int64(w.Taps)), iArg(mode))
	})
}

// IDWTAxis enqueues the synthesis (pywt.idwt along the middle axis): a and d [Outer, CoeffLen(), Inner] to
// y [Outer, SynthesisLen(), Inner].
func (s *Stream) IDWTAxis(y, a, d, filters Buffer, w WaveletAxis) error {
	mode, err := s.waveletCheck("idwt", w, filters, waveletOperand{"approximation", a, w.bands()},
		waveletOperand{"detail", d, w.bands()}, waveletOperand{"y", y, w.synthesis()})
	if err != nil {
		return err
	}
	return s.d.do(func() error {
		return s.grid1(kIDWTAxis, int64(w.synthesis()), pArg(y.ptr), pArg(a.ptr), pArg(d.ptr), pArg(filters.ptr),
			iArg(int64(w.Outer)), iArg(int64(w.CoeffLen())), iArg(int64(w.Inner)), iArg(int64(w.Taps)), iArg(mode))
	})
}

// IDWTAxisAdjoint enqueues the transpose of IDWTAxis: a gradient g [Outer, SynthesisLen(), Inner] to the
// bands' gradients ga and gd [Outer, CoeffLen(), Inner]. For a biorthogonal bank this is not DWTAxis.
func (s *Stream) IDWTAxisAdjoint(ga, gd, g, filters Buffer, w WaveletAxis) error {
	mode, err := s.waveletCheck("idwt adjoint", w, filters, waveletOperand{"gradient", g, w.synthesis()},
		waveletOperand{"approximation gradient", ga, w.bands()}, waveletOperand{"detail gradient", gd, w.bands()})
	if err != nil {
		return err
	}
	return s.d.do(func() error {
		return s.grid1(kIDWTAxisAdjoint, int64(w.bands()), pArg(ga.ptr), pArg(gd.ptr), pArg(g.ptr), pArg(filters.ptr),
			iArg(int64(w.Outer)), iArg(int64(w.CoeffLen())), iArg(int64(w.Inner)), iArg(int64(w.Taps)), iArg(mode))
	})
}

// stageAxis is the 1-D synthesis along axis k inside IDWTN (and its adjoint): the axes before k are bands,
// those after it already synthesised.
func (w WaveletN) stageAxis(k int) WaveletAxis {
	bs, rs := w.BandShape(), w.SynthesisShape()
	return WaveletAxis{Outer: w.Batch * prodInts(bs[:k]), N: w.Shape[k], Inner: prodInts(rs[k+1:]),
		Taps: w.Taps, Mode: w.Mode}
}

// stageBuffers cuts scratch into the 2^s buffers of stage s.
func (w WaveletN) stageBuffers(scratch Buffer, s int) []Buffer {
	off := 0
	for t := 1; t < s; t++ {
		off += (1 << t) * w.stageLen(t)
	}
	n := w.stageLen(s)
	out := make([]Buffer, 1<<s)
	for i := range out {
		out[i] = scratch.Slice(off+i*n, off+(i+1)*n)
	}
	return out
}

func (w WaveletN) check(what string, x Buffer, xLen int, bands []Buffer, scratch Buffer) error {
	if err := w.Validate(); err != nil {
		return fmt.Errorf("gpu: %s: %w", what, err)
	}
	if x.n != xLen {
		return fmt.Errorf("gpu: %s %+v: the tensor has %d values, want %d", what, w, x.n, xLen)
	}
	if len(bands) != w.Bands() {
		return fmt.Errorf("gpu: %s %+v: %d bands, want %d", what, w, len(bands), w.Bands())
	}
	nb := w.Batch * prodInts(w.BandShape())
	for i, b := range bands {
		if b.n != nb {
			return fmt.Errorf("gpu: %s %+v: band %s has %d values, want %d", what, w, WaveletBandKey(i, len(w.Shape)), b.n, nb)
		}
	}
	if scratch.n < w.ScratchLen() {
		return fmt.Errorf("gpu: %s %+v: scratch of %d values, want at least %d", what, w, scratch.n, w.ScratchLen())
	}
	return nil
}

// DWTN enqueues pywt.dwtn over every axis of w.Shape for each of w.Batch tensors: x [Batch, Shape...] to the
// bands (band b detail along axis i when bit i of b is set), one axis after the other from the first.
func (s *Stream) DWTN(bands []Buffer, x, filters, scratch Buffer, w WaveletN) error {
	if err := w.check("dwtn", x, w.Batch*prodInts(w.Shape), bands, scratch); err != nil {
		return err
	}
	// The analysis along axis k reads tensors whose later axes are the signal's, not SynthesisShape.
	bs := w.BandShape()
	cur := []Buffer{x}
	for k := range w.Shape {
		ax := WaveletAxis{Outer: w.Batch * prodInts(bs[:k]), N: w.Shape[k], Inner: prodInts(w.Shape[k+1:]),
			Taps: w.Taps, Mode: w.Mode}
		next := bands
		if k+1 < len(w.Shape) {
			next = w.stageBuffers(scratch, k+1)
			for i := range next {
				next[i] = next[i].Slice(0, ax.bands())
			}
		}
		for b, in := range cur {
			if err := s.DWTAxis(next[b], next[b|1<<k], in, filters, ax); err != nil {
				return err
			}
		}
		cur = next
	}
	return nil
}

// IDWTN enqueues pywt.idwtn over every axis: the bands to y [Batch, SynthesisShape()...], one axis after the
// other from the last (PyWavelets' order).
func (s *Stream) IDWTN(y Buffer, bands []Buffer, filters, scratch Buffer, w WaveletN) error {
	if err := w.check("idwtn", y, w.Batch*prodInts(w.SynthesisShape()), bands, scratch); err != nil {
		return err
	}
	cur := bands
	for k := len(w.Shape) - 1; k >= 0; k-- {
		next := []Buffer{y}
		if k > 0 {
			next = w.stageBuffers(scratch, k)
		}
		for b := range next {
			if err := s.IDWTAxis(next[b], cur[b], cur[b|1<<k], filters, w.stageAxis(k)); err != nil {
				return err
			}
		}
		cur = next
	}
	return nil
}

// IDWTNAdjoint enqueues the transpose of IDWTN: a gradient g [Batch, SynthesisShape()...] to the bands'
// gradients, the axes in the reverse of IDWTN's order.
func (s *Stream) IDWTNAdjoint(gbands []Buffer, g, filters, scratch Buffer, w WaveletN) error {
	if err := w.check("idwtn adjoint", g, w.Batch*prodInts(w.SynthesisShape()), gbands, scratch); err != nil {
		return err
	}
	cur := []Buffer{g}
	for k := range w.Shape {
		next := gbands
		if k+1 < len(w.Shape) {
			next = w.stageBuffers(scratch, k+1)
		}
		for b, in := range cur {
			if err := s.IDWTAxisAdjoint(next[b], next[b|1<<k], in, filters, w.stageAxis(k)); err != nil {
				return err
			}
		}
		cur = next
	}
	return nil
}
