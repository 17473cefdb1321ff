//go:build cuda || trajdiff_cuda

package gpu

import (
	"errors"
	"fmt"
	"io"
)

// HostDenoiser is a device Denoiser (a Predictor) as a diffusion.Denoiser on host slices, for sampling loops
// that stay on the CPU because every step needs the host: an inference-time search that scores candidates
// with a CPU solver (pde/wdno's SearchControl re-simulates each candidate's control), or a guidance whose
// gradient runs on the host. Each Denoise converts x to float32, uploads it, enqueues the denoiser and
// downloads the result (in chunks of at most MaxPoints points, so any batch is served); the buffers are
// allocated once. It is not safe for concurrent use.
type HostDenoiser struct {
	d         *Device
	den       Denoiser
	s         *Stream
	x, out    Buffer
	x32, o32  []float32
	dim       int
	maxPoints int
}

// NewHostDenoiser wraps den for host calls of up to maxPoints points at a time; larger batches are served in
// chunks. The HostDenoiser owns den when den is an io.Closer (a Predictor) and closes it with itself.
func NewHostDenoiser(d *Device, den Denoiser, maxPoints int) (*HostDenoiser, error) {
	switch {
	case d == nil || den == nil:
		return nil, fmt.Errorf("gpu: a host denoiser needs a device and a denoiser")
	case den.Dim() < 1 || maxPoints < 1:
		return nil, fmt.Errorf("gpu: a host denoiser of dimension %d for %d points", den.Dim(), maxPoints)
	}
	if p, ok := den.(*Predictor); ok && maxPoints > p.MaxPoints() {
		return nil, fmt.Errorf("gpu: a host denoiser of %d points over a predictor sized for %d", maxPoints, p.MaxPoints())
	}
	h := &HostDenoiser{d: d, den: den, dim: den.Dim(), maxPoints: maxPoints}
	n := maxPoints * h.dim
	var err error
	if h.s, err = d.NewStream(); err == nil {
		if h.x, err = d.Alloc(n); err == nil {
			h.out, err = d.Alloc(n)
		}
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("gpu: host denoiser: %w", err), h.release(false))
	}
	h.x32, h.o32 = make([]float32, n), make([]float32, n)
	return h, nil
}

// Dim implements diffusion.Denoiser.
func (h *HostDenoiser) Dim() int { return h.dim }

// MaxPoints is the most points one device call takes.
func (h *HostDenoiser) MaxPoints() int { return h.maxPoints }

// Denoise implements diffusion.Denoiser: dst = D(x, t) computed on the device in float32, for any number
// of points. dst may be x.
func (h *HostDenoiser) Denoise(dst, x []float64, t float64) error {
	if h.s == nil {
		return fmt.Errorf("gpu: the host denoiser is closed")
	}
	if len(x) != len(dst) || len(x) == 0 || len(x)%h.dim != 0 {
		return fmt.Errorf("gpu: host denoiser of dimension %d: x has %d values, dst %d", h.dim, len(x), len(dst))
	}
	step := h.maxPoints * h.dim
	for lo := 0; lo < len(x); lo += step {
		hi := min(lo+step, len(x))
		n := hi - lo
		for i, v := range x[lo:hi] {
			h.x32[i] = float32(v)
		}
		xb, ob := h.x.Slice(0, n), h.out.Slice(0, n)
		if err := h.s.Upload(xb, h.x32[:n]); err != nil {
			return err
		}
		if err := h.den.Denoise(h.s, ob, xb, t); err != nil {
			return err
		}
		if err := h.s.Download(h.o32[:n], ob); err != nil {
			return err
		}
		for i, v := range h.o32[:n] {
			dst[lo+i] = float64(v)
		}
	}
	return nil
}

// Close releases the stream, the buffers and an owned denoiser; a second Close does nothing.
func (h *HostDenoiser) Close() error { return h.release(true) }

// release frees what h allocated and, with owned, closes its denoiser when it is an io.Closer (a failed
// NewHostDenoiser leaves the denoiser to its caller).
func (h *HostDenoiser) release(owned bool) error {
	var errs []error
	if h.s != nil {
		errs = append(errs, h.s.Close())
		h.s = nil
	}
	for _, b := range []*Buffer{&h.x, &h.out} {
		if b.ptr != 0 {
			errs = append(errs, h.d.Free(*b))
			*b = Buffer{}
		}
	}
	if c, ok := h.den.(io.Closer); ok && owned {
		errs = append(errs, c.Close())
	}
	h.den = nil
	return errors.Join(errs...)
}
