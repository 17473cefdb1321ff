//go:build cuda || trajdiff_cuda

package gpu

// fixedGradientStep is the control guides' x0 correction, guide.correct's on the CPU: fix x0 (known
// entries, clamping), x0 -= step dJ/dx0 with the gradient enqueued into gx, and fix it again, since the
// step moves the known entries too and may leave the clamp's range.
func fixedGradientStep(s *Stream, fix X0Corrector, gradient func(s *Stream, x0, gx Buffer) error, step float64, gx, x0, x Buffer, t float64) error {
	if err := fix.CorrectX0(s, x0, x, t); err != nil {
		return err
	}
	if err := gradient(s, x0, gx); err != nil {
		return err
	}
	if err := s.Axpby(x0, -step, gx, 1); err != nil {
		return err
	}
	return fix.CorrectX0(s, x0, x, t)
}

// guideBuffer is one of a guide's device arrays: its length and, for the constant ones, the values to upload.
type guideBuffer struct {
	b    *Buffer
	n    int
	host []float32
}

// allocGuide allocates the guide's arrays in order and uploads the constant ones, stopping at the first
// failure; the caller frees what was allocated (its Close frees the zero Buffers as nothing).
func allocGuide(d *Device, bufs []guideBuffer) error {
	for _, a := range bufs {
		var err error
		if *a.b, err = d.Alloc(a.n); err == nil && a.host != nil {
			err = d.Upload(*a.b, a.host)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
