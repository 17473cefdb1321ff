//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
	"unsafe"

	"gorgonia.org/cu"
)

// Elementwise kernels. Each enqueues on the stream and returns; errors are launch errors (a kernel's own fault
// surfaces at the next synchronisation).

func sameLen(what string, n int, bs ...Buffer) error {
	for i, b := range bs {
		if b.n != n {
			return fmt.Errorf("gpu: %s: operand %d has %d values, want %d", what, i+1, b.n, n)
		}
	}
	return nil
}

// Fill enqueues x[i] = v.
func (s *Stream) Fill(x Buffer, v float64) error {
	return s.d.do(func() error { return s.grid1(kFill, int64(x.n), pArg(x.ptr), iArg(int64(x.n)), fArg(v)) })
}

// Axpby enqueues y = a x + b y (computed in double, rounded once).
func (s *Stream) Axpby(y Buffer, a float64, x Buffer, b float64) error {
	if err := sameLen("axpby", y.n, x); err != nil {
		return err
	}
	return s.d.do(func() error {
		return s.grid1(kAxpby, int64(y.n), pArg(y.ptr), pArg(x.ptr), iArg(int64(y.n)), fArg(a), fArg(b))
	})
}

// Mul enqueues z = x * y elementwise.
func (s *Stream) Mul(z, x, y Buffer) error {
	if err := sameLen("mul", z.n, x, y); err != nil {
		return err
	}
	return s.d.do(func() error {
		return s.grid1(kMul, int64(z.n), pArg(z.ptr), pArg(x.ptr), pArg(y.ptr), iArg(int64(z.n)))
	})
}

// Clamp enqueues x = min(max(x, lo), hi); NaN stays NaN.
func (s *Stream) Clamp(x Buffer, lo, hi float64) error {
	if !(lo <= hi) {
		return fmt.Errorf("gpu: clamp to [%v, %v]", lo, hi)
	}
	return s.d.do(func() error {
		return s.grid1(kClamp, int64(x.n), pArg(x.ptr), iArg(int64(x.n)), fArg(lo), fArg(hi))
	})
}

// SiLU enqueues y = x sigmoid(x).
func (s *Stream) SiLU(y, x Buffer) error {
	if err := sameLen("silu", y.n, x); err != nil {
		return err
	}
	return s.d.do(func() error { return s.grid1(kSiLU, int64(y.n), pArg(y.ptr), pArg(x.ptr), iArg(int64(y.n))) })
}

// ToBF16 enqueues y = bfloat16(x), rounding to nearest even.
func (s *Stream) ToBF16(y BF16, x Buffer) error {
	if y.n != x.n {
		return fmt.Errorf("gpu: to bf16: %d values into %d", x.n, y.n)
	}
	return s.d.do(func() error { return s.grid1(kToBF16, int64(x.n), pArg(y.ptr), pArg(x.ptr), iArg(int64(x.n))) })
}

// FromBF16 enqueues y = float32(x) (exact).
func (s *Stream) FromBF16(y Buffer, x BF16) error {
	if y.n != x.n {
		return fmt.Errorf("gpu: from bf16: %d values into %d", x.n, y.n)
	}
	return s.d.do(func() error { return s.grid1(kFromBF16, int64(x.n), pArg(y.ptr), pArg(x.ptr), iArg(int64(x.n))) })
}

// Normal enqueues dst = standard normal noise: element i of Philox stream `stream` under seed, the same numbers
// as diffusion.NewPhilox(seed).FillNormal(dst, stream, 0), rounded to float32. It copies the seed from host
// memory, so it cannot be captured into a graph (a Denoiser must not call it; the executor's noise ops read the
// seed from device memory instead).
func (s *Stream) Normal(dst Buffer, seed uint64, stream uint32) error {
	key := [2]uint32{uint32(seed), uint32(seed >> 32)}
	return s.d.do(func() error {
		kp := s.scrat + scratchKey
		if err := cu.MemcpyHtoDAsync(kp, unsafe.Pointer(&key[0]), 8, s.s); err != nil {
			return fmt.Errorf("gpu: noise key: %w", err)
		}
		// A copy from pageable memory returns after staging it, so key may go out of scope.
		return s.normal(dst, kp, stream)
	})
}

// Stats are the moments of a buffer, over its finite values.
type Stats struct {
	N         int
	Sum       float64
	SumSq     float64
	MaxAbs    float64
	NonFinite int64
}

// Mean is Sum / (finite count).
func (st Stats) Mean() float64 { return st.Sum / float64(int64(st.N)-st.NonFinite) }

// RMS is sqrt(SumSq / (finite count)).
func (st Stats) RMS() float64 { return math.Sqrt(st.SumSq / float64(int64(st.N)-st.NonFinite)) }

// Stats reduces x (deterministically: the same bits on every run and device) and waits for the result.
func (s *Stream) Stats(x Buffer) (Stats, error) {
	var out [statsFields]float64
	err := s.d.do(func() error {
		nb := statsBlocks(int64(x.n))
		if err := s.launch(kStatsPartial, nb, 1, statsThreads, 0, pArg(x.ptr), iArg(int64(x.n)), pArg(s.scrat)); err != nil {
			return err
		}
		if err := s.launch(kStatsFinal, 1, 1, statsThreads, 0, pArg(s.scrat), iArg(int64(nb)), pArg(s.scrat+scratchResult)); err != nil {
			return err
		}
		if err := cu.MemcpyDtoHAsync(unsafe.Pointer(&out[0]), s.scrat+scratchResult, 8*statsFields, s.s); err != nil {
			return fmt.Errorf("gpu: stats result: %w", err)
		}
		if err := s.s.Synchronize(); err != nil {
			return fmt.Errorf("gpu: stats: %w", err)
		}
		return nil
	})
	return Stats{N: x.n, Sum: out[0], SumSq: out[1], MaxAbs: out[2], NonFinite: int64(out[3])}, err
}

// countNonfinite enqueues *counter += number of non-finite values of x (context current).
func (s *Stream) countNonfinite(x Buffer, counter cu.DevicePtr) error {
	return s.grid1(kCountNonfinite, int64(x.n), pArg(x.ptr), iArg(int64(x.n)), pArg(counter))
}

// markNonfiniteRows enqueues first[r] = mark for every example r (row of dim values) of x that has a NaN or
// Inf and whose first[r] is still 0 (context current).
func (s *Stream) markNonfiniteRows(x Buffer, dim int, first cu.DevicePtr, mark int64) error {
	return s.grid1(kMarkNonfiniteRows, int64(x.n), pArg(x.ptr), iArg(int64(x.n/dim)), iArg(int64(dim)), pArg(first), iArg(mark))
}

// fillMarkedRows enqueues x[i] = v for every value of the examples r with first[r] != 0 (context current).
func (s *Stream) fillMarkedRows(x Buffer, dim int, first cu.DevicePtr, v float64) error {
	return s.grid1(kFillMarkedRows, int64(x.n), pArg(x.ptr), iArg(int64(x.n/dim)), iArg(int64(dim)), pArg(first), fArg(v))
}

// Inpaint clamps masked coordinates of every point to known values after each step (diffusion.Inpaint on the
// GPU): Mask has one entry per dimension, Values either one value per dimension or one row per point.
type Inpaint struct {
	d        *Device
	dim      int
	mask     cu.DevicePtr // int32 per dimension
	values   Buffer
	perPoint bool
}

// NewInpaint uploads mask and values.
func NewInpaint(d *Device, mask []bool, values []float64) (*Inpaint, error) {
	dim := len(mask)
	if dim == 0 {
		return nil, fmt.Errorf("gpu: inpaint with an empty mask")
	}
	if len(values) != dim && len(values)%dim != 0 {
		return nil, fmt.Errorf("gpu: inpaint has %d values for a mask of %d dimensions, want %d or a multiple", len(values), dim, dim)
	}
	in := &Inpaint{d: d, dim: dim, perPoint: len(values) != dim}
	m := make([]int32, dim)
	for i, b := range mask {
		if b {
			m[i] = 1
		}
	}
	v := make([]float32, len(values))
	for i, x := range values {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("gpu: inpaint value %d is %v", i, x)
		}
		v[i] = float32(x)
	}
	var err error
	if in.mask, err = d.alloc(4 * int64(dim)); err != nil {
		return nil, err
	}
	if err = d.copyHtoD(in.mask, unsafe.Pointer(&m[0]), 4*int64(dim)); err != nil {
		in.Close()
		return nil, err
	}
	if in.values, err = d.Alloc(len(v)); err != nil {
		in.Close()
		return nil, err
	}
	if err = d.Upload(in.values, v); err != nil {
		in.Close()
		return nil, err
	}
	return in, nil
}

// SetValues replaces the known values by as many new ones (one per dimension or one row per point, as
// NewInpaint took them), keeping the device buffer, so that step graphs captured with in read the new values
// on their next replay. The copy is synchronous: call it between runs, not while one is in flight.
func (in *Inpaint) SetValues(values []float64) error {
	if len(values) != in.values.n {
		return fmt.Errorf("gpu: inpaint holds %d values, got %d", in.values.n, len(values))
	}
	v := make([]float32, len(values))
	for i, x := range values {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("gpu: inpaint value %d is %v", i, x)
		}
		v[i] = float32(x)
	}
	if err := in.d.Upload(in.values, v); err != nil {
		return err
	}
	// A pageable host-to-device copy may still be in flight when cuMemcpyHtoD returns, and it is ordered
	// only on the legacy stream: wait for it before any other stream replays a graph that reads the values.
	return in.d.Synchronize()
}

// Condition implements Conditioner.
func (in *Inpaint) Condition(s *Stream, x Buffer, t, alpha, sigma float64) error {
	if x.n%in.dim != 0 || (in.perPoint && x.n != in.values.n) {
		return fmt.Errorf("gpu: inpaint of dimension %d (%d values) on a batch of %d values", in.dim, in.values.n, x.n)
	}
	pp := int64(0)
	if in.perPoint {
		pp = 1
	}
	return s.d.do(func() error {
		return s.grid1(kInpaint, int64(x.n), pArg(x.ptr), iArg(int64(x.n/in.dim)), iArg(int64(in.dim)),
			pArg(in.mask), pArg(in.values.ptr), iArg(pp))
	})
}

// Close frees the device memory.
func (in *Inpaint) Close() error {
	err := in.d.free(in.mask)
	if e := in.d.Free(in.values); err == nil {
		err = e
	}
	in.mask, in.values = 0, Buffer{}
	return err
}

// ClipX0 clips every x0-prediction to [Lo, Hi] (diffusion.ClipX0 on the GPU).
type ClipX0 struct{ Lo, Hi float64 }

// CorrectX0 implements X0Corrector.
func (c ClipX0) CorrectX0(s *Stream, x0, x Buffer, t float64) error { return s.Clamp(x0, c.Lo, c.Hi) }

// InpaintX0 corrects every x0-prediction as pde/wdno's sampler does: clamped to [Lo, Hi] when Clip, then
// its known entries set to In's values (the condition held exactly in the prediction too, not only in the
// state after each step).
type InpaintX0 struct {
	In     *Inpaint
	Clip   bool
	Lo, Hi float64
}

// CorrectX0 implements X0Corrector.
func (c InpaintX0) CorrectX0(s *Stream, x0, x Buffer, t float64) error {
	if c.In == nil {
		return fmt.Errorf("gpu: x0 inpainting without its values")
	}
	if c.Clip {
		if err := s.Clamp(x0, c.Lo, c.Hi); err != nil {
			return err
		}
	}
	return c.In.Condition(s, x0, t, 0, 0)
}
