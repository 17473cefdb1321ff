//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
	"time"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Stream is an ordered queue of work on a device (a CUDA stream that does not synchronise with the legacy
// default stream). Kernel methods only enqueue; Synchronize waits. A Stream is not safe for concurrent use.
type Stream struct {
	d      *Device
	s      cu.Stream
	args   [20]uint64 // kernel arguments of the launch being made (8 bytes each, see launch)
	ptrs   [20]unsafe.Pointer
	scrat  cu.DevicePtr // see scratchBytes
	events [2]cu.Event
}

// NewStream creates a stream on the device.
func (d *Device) NewStream() (*Stream, error) {
	st := &Stream{d: d}
	err := d.do(func() error {
		var err error
		if st.s, err = cu.MakeStream(cu.NonBlocking); err != nil {
			return fmt.Errorf("gpu: creating a stream: %w", err)
		}
		if st.scrat, err = cu.MemAlloc(scratchBytes); err != nil {
			return fmt.Errorf("gpu: stream scratch: %w", err)
		}
		for i := range st.events {
			if st.events[i], err = cu.MakeEvent(cu.DefaultEvent); err != nil {
				return fmt.Errorf("gpu: creating an event: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// Device is the stream's device.
func (s *Stream) Device() *Device { return s.d }

// Close waits for the stream's work and destroys it.
func (s *Stream) Close() error {
	return s.d.do(func() error {
		var first error
		keep := func(err error) {
			if err != nil && first == nil {
				first = err
			}
		}
		if s.s != (cu.Stream{}) {
			keep(s.s.Synchronize())
			keep(s.s.Destroy())
			s.s = cu.Stream{}
		}
		if s.scrat != 0 {
			keep(cu.MemFree(s.scrat))
			s.scrat = 0
		}
		for i := range s.events {
			if s.events[i] != (cu.Event{}) {
				keep(cu.DestroyEvent(&s.events[i]))
			}
		}
		if first != nil {
			return fmt.Errorf("gpu: closing a stream: %w", first)
		}
		return nil
	})
}

// Synchronize waits until the stream's work is done and returns the first error a kernel raised.
func (s *Stream) Synchronize() error {
	return s.d.do(func() error {
		if err := s.s.Synchronize(); err != nil {
			return fmt.Errorf("gpu: stream synchronize: %w", err)
		}
		return nil
	})
}

// A stream's scratch memory: the reduction's partials (statsMaxBlocks x statsFields doubles), its result
// (statsFields doubles) and a Philox key (2 words) for Stream.Normal.
const (
	scratchResult = 8 * statsFields * statsMaxBlocks
	scratchKey    = scratchResult + 8*statsFields
	scratchBytes  = scratchKey + 16
)

// arg is one 8-byte kernel argument (gorgonia.org/cu copies exactly 8 bytes per parameter, so every kernel
// takes pointers, long long and double only).
type arg uint64

func pArg(p cu.DevicePtr) arg { return arg(p) }
func iArg(v int64) arg        { return arg(uint64(v)) }
func fArg(v float64) arg      { return arg(math.Float64bits(v)) }

// launch enqueues kernel k on the stream. The caller has the device's context current (s.d.do).
func (s *Stream) launch(k kernel, gx, gy, block, smem int, args ...arg) error {
	if len(args) > len(s.args) {
		return fmt.Errorf("gpu: %s: %d arguments, at most %d", k, len(args), len(s.args))
	}
	for i, a := range args {
		s.args[i] = uint64(a)
		s.ptrs[i] = unsafe.Pointer(&s.args[i])
	}
	if err := s.d.fn[k].Launch(gx, gy, 1, block, 1, 1, smem, s.s, s.ptrs[:len(args)]); err != nil {
		return fmt.Errorf("gpu: launching %s (grid %dx%d, block %d, %d bytes shared): %w", k, gx, gy, block, smem, err)
	}
	return nil
}

// grid1 launches a grid-stride kernel over work items.
func (s *Stream) grid1(k kernel, work int64, args ...arg) error {
	return s.launch(k, gridFor(work, elementwiseThreads, s.d.info.SMs), 1, elementwiseThreads, 0, args...)
}

// Upload copies src into dst in stream order (the copy is done when it returns).
func (s *Stream) Upload(dst Buffer, src []float32) error {
	if len(src) != dst.n {
		return fmt.Errorf("gpu: upload of %d values into a buffer of %d", len(src), dst.n)
	}
	if len(src) == 0 {
		return nil
	}
	return s.d.do(func() error {
		if err := cu.MemcpyHtoDAsync(dst.ptr, unsafe.Pointer(unsafe.SliceData(src)), 4*int64(len(src)), s.s); err != nil {
			return fmt.Errorf("gpu: upload: %w", err)
		}
		return s.s.Synchronize()
	})
}

// Download waits for the stream's work and copies src into dst.
func (s *Stream) Download(dst []float32, src Buffer) error {
	if len(dst) != src.n {
		return fmt.Errorf("gpu: download of a buffer of %d values into %d", src.n, len(dst))
	}
	if len(dst) == 0 {
		return nil
	}
	return s.d.do(func() error {
		if err := cu.MemcpyDtoHAsync(unsafe.Pointer(unsafe.SliceData(dst)), src.ptr, 4*int64(len(dst)), s.s); err != nil {
			return fmt.Errorf("gpu: download: %w", err)
		}
		if err := s.s.Synchronize(); err != nil {
			return fmt.Errorf("gpu: download: %w", err)
		}
		return nil
	})
}

// Copy enqueues dst = src.
func (s *Stream) Copy(dst, src Buffer) error {
	if dst.n != src.n {
		return fmt.Errorf("gpu: copy of %d values into %d", src.n, dst.n)
	}
	if dst.n == 0 {
		return nil
	}
	return s.d.do(func() error {
		if err := cu.MemcpyDtoDAsync(dst.ptr, src.ptr, 4*int64(dst.n), s.s); err != nil {
			return fmt.Errorf("gpu: device copy: %w", err)
		}
		return nil
	})
}

// Term is one coefficient-buffer pair of Stream.Combine.
type Term struct {
	Coef float64
	Buf  Buffer
}

// Combine enqueues dst = sum_k terms[k].Coef terms[k].Buf (all of dst's length; dst may be among the terms),
// the kernel that applies the plans' OpCombine. More than MaxTerms terms are split as Compile does.
func (s *Stream) Combine(dst Buffer, terms ...Term) error {
	for i, t := range terms {
		if t.Buf.n != dst.n {
			return fmt.Errorf("gpu: combine term %d has %d values, destination %d", i, t.Buf.n, dst.n)
		}
		if math.IsNaN(t.Coef) || math.IsInf(t.Coef, 0) {
			return fmt.Errorf("gpu: combine term %d has coefficient %v", i, t.Coef)
		}
	}
	// Index the distinct buffers so that splitCombine can order the destination's own term first.
	bufs := []Buffer{dst}
	idx := func(b Buffer) int {
		for i, x := range bufs {
			if x.ptr == b.ptr {
				return i
			}
		}
		bufs = append(bufs, b)
		return len(bufs) - 1
	}
	dt := make([]diffusion.Term, len(terms))
	for i, t := range terms {
		dt[i] = diffusion.Term{Coef: t.Coef, Buf: idx(t.Buf)}
	}
	return s.d.do(func() error {
		for _, a := range splitCombine(0, dt) {
			if err := s.combine(bufs, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// combine launches one CombineArgs over bufs (context current). The 16-byte path needs every pointer 16-byte
// aligned; cuMemAlloc gives 256, so only sliced buffers take the scalar path.
func (s *Stream) combine(bufs []Buffer, a CombineArgs) error {
	dst := bufs[a.Dst]
	k := kCombineX4
	if dst.ptr%16 != 0 {
		k = kCombine
	}
	var ptr [MaxTerms]arg
	var coef [MaxTerms]arg
	for i := 0; i < MaxTerms; i++ {
		ptr[i] = pArg(dst.ptr) // unused slots: a valid pointer the kernel never reads
		if i < a.NTerms {
			b := bufs[a.Bufs[i]]
			ptr[i], coef[i] = pArg(b.ptr), fArg(a.Coefs[i])
			if b.ptr%16 != 0 {
				k = kCombine
			}
		}
	}
	work := int64(dst.n)
	if k == kCombineX4 {
		work = max(1, work/4)
	}
	return s.grid1(k, work, pArg(dst.ptr), iArg(int64(dst.n)), iArg(int64(a.NTerms)),
		ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], ptr[5], ptr[6], ptr[7],
		coef[0], coef[1], coef[2], coef[3], coef[4], coef[5], coef[6], coef[7])
}

// combineDim launches one CombineDimArgs over bufs (context current): coefs is the device copy of the
// program's DimCoefs, dim its data dimension.
func (s *Stream) combineDim(bufs []Buffer, coefs cu.DevicePtr, dim int, a CombineDimArgs) error {
	dst := bufs[a.Dst]
	if dim < 1 || dst.n%dim != 0 {
		return fmt.Errorf("gpu: per-dimension combine of dimension %d on a buffer of %d values", dim, dst.n)
	}
	var ptr [MaxTerms]arg
	for i := range ptr {
		ptr[i] = pArg(dst.ptr) // unused slots: a valid pointer the kernel never reads
		if i < a.NTerms {
			ptr[i] = pArg(bufs[a.Bufs[i]].ptr)
		}
	}
	var cp, bp arg // null when there are no terms or no bias (the kernel then reads none)
	if a.NTerms > 0 {
		cp = pArg(coefs + cu.DevicePtr(8*a.Coefs))
	}
	if a.Bias >= 0 {
		bp = pArg(coefs + cu.DevicePtr(8*a.Bias))
	}
	return s.grid1(kCombineDim, int64(dst.n), pArg(dst.ptr), iArg(int64(dst.n)), iArg(int64(dim)), iArg(int64(a.NTerms)),
		cp, bp, ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], ptr[5], ptr[6], ptr[7])
}

// normal enqueues dst = noise of Philox stream `stream` under the key stored at key (2 uint32 words).
func (s *Stream) normal(dst Buffer, key cu.DevicePtr, stream uint32) error {
	return s.grid1(kNormal, (int64(dst.n)+1)/2, pArg(dst.ptr), iArg(int64(dst.n)), pArg(key), iArg(int64(stream)))
}

// Time enqueues the work of f between two events and returns the device time between them (the stream is
// synchronised).
func (s *Stream) Time(f func() error) (time.Duration, error) {
	var ms float64
	err := s.d.do(func() error {
		if err := s.events[0].Record(s.s); err != nil {
			return fmt.Errorf("gpu: recording an event: %w", err)
		}
		if err := f(); err != nil {
			return err
		}
		if err := s.events[1].Record(s.s); err != nil {
			return fmt.Errorf("gpu: recording an event: %w", err)
		}
		if err := s.events[1].Synchronize(); err != nil {
			return fmt.Errorf("gpu: waiting for an event: %w", err)
		}
		var err error
		ms, err = s.events[0].Elapsed(s.events[1])
		return err
	})
	return time.Duration(ms * float64(time.Millisecond)), err
}
