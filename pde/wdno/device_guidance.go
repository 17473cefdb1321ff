package wdno

import (
	"fmt"

	"github.com/trajdiff/trajdiff/wavelet"
)

// DeviceGuidance is Generate's control guidance (guide.correct with controlObjective) for the 1-D wavelet
// layout in plain numbers, what a device x0 correction needs to run it without this package
// (gpu.WaveletControlConfig and gpu.NewWaveletControlGuide take exactly these): the image [Cases, Channels,
// Height, Width] holds field k's (State state channels, then Control controls) one-level 2-D DWT over
// (Frames, Cells) in channels 4k..4k+3, bands aa, da, ad, dd at the top left (BandH x BandW), each divided by
// its channel's scale; the objective is J = mean (u(0) - u0)^2 + mean (u(T) - u*)^2 + Energy sum f^2 of the
// decoded trajectory (a state frame is Cells x State values, state channel fastest); each x0 prediction
// moves by -Step(t) dJ/dx0 between two fixes of its known entries and clamp.
type DeviceGuidance struct {
	Wavelet                 string
	Mode                    wavelet.Mode
	Cases, State, Control   int
	Frames, Cells           int
	Channels, Height, Width int
	BandH, BandW            int
	Scales                  []float64
	U0s, Targets            [][]float64
	Energy                  float64
	Step                    func(t float64) float64 // sigma/alpha lambda beta(t), as guide.correct
}

// DeviceGuidance returns req's control guidance in a device's terms: nil when Generate would not guide
// (another task, or weight 0); an error for a layout other than the 1-D wavelet layout (smoke's 3-D wavelet
// layout has DeviceSmokeGuidance; the physical space has no device guidance yet).
func (m *Model) DeviceGuidance(req Request) (*DeviceGuidance, error) {
	o, weight, guided, err := m.guidance(req)
	if !guided || err != nil {
		return nil, err
	}
	return m.deviceGuidanceOf(o, weight, len(req.Cases))
}

// GuidesOnDevice reports whether the model's control guidance has a device path: the 1-D wavelet layout's
// (DeviceGuidance) and smoke's 3-D wavelet layout's (DeviceSmokeGuidance) have; the physical space's do not.
func (m *Model) GuidesOnDevice() bool {
	switch m.Layout.(type) {
	case *waveletLayout, *smokeWaveletLayout:
		return true
	}
	return false
}

// guidance is what DeviceGuidance and DeviceSmokeGuidance share: whether Generate would guide req (the
// control task with a weight other than 0) and, where it would, req's objective and weight.
func (m *Model) guidance(req Request) (o objective, weight float64, guided bool, err error) {
	_, _, weight = m.Settings(req)
	if m.Task != Control || weight == 0 {
		return nil, 0, false, nil
	}
	enc, err := m.encode(req)
	if err != nil {
		return nil, 0, false, err
	}
	return enc.objective(m, req), weight, true, nil
}

// deviceGuidanceOf is DeviceGuidance for the objective obj of weight w (guide.correct's), over n images:
// image j guides toward case j mod len(obj.u0s), as guide.correct pairs particles with their cases.
func (m *Model) deviceGuidanceOf(o objective, weight float64, n int) (*DeviceGuidance, error) {
	l, ok := m.Layout.(*waveletLayout)
	if !ok {
		return nil, fmt.Errorf("wdno: device guidance needs the 1-D wavelet layout, not %T", m.Layout)
	}
	obj, ok := o.(controlObjective)
	if !ok || len(obj.u0s) == 0 {
		return nil, fmt.Errorf("wdno: device guidance: no control objective")
	}
	g, err := l.deviceGuidance()
	if err != nil {
		return nil, err
	}
	g.Cases, g.Energy = n, obj.energy
	g.U0s, g.Targets = make([][]float64, n), make([][]float64, n)
	for j := range n {
		g.U0s[j], g.Targets[j] = obj.u0s[j%len(obj.u0s)], obj.targets[j%len(obj.targets)]
	}
	p := m.Checkpoint.Process
	g.Step = func(t float64) float64 { return guideStep(p, weight, t) }
	return g, nil
}

// deviceGuidance is the layout's part of DeviceGuidance.
func (l *waveletLayout) deviceGuidance() (*DeviceGuidance, error) {
	c := l.cfg
	mode, err := wavelet.ParseMode(c.Mode)
	if err != nil {
		return nil, fmt.Errorf("wdno: device guidance: %w", err)
	}
	// The device reads band b of field k at the top left of channel 4k + b, in the order of bandOrder, which
	// is pywt.dwtn's with the first letter for time.
	for b, blk := range l.bands {
		if blk.Shape[0] != l.bh || blk.Shape[1] != l.bw {
			return nil, fmt.Errorf("wdno: device guidance: band %s of %v", bandOrder[b], blk.Shape)
		}
	}
	return &DeviceGuidance{Wavelet: c.Wavelet, Mode: mode, State: l.nS, Control: l.nC, Frames: c.Frames, Cells: c.Cells,
		Channels: l.ch, Height: l.h, Width: l.w, BandH: l.bh, BandW: l.bw, Scales: append([]float64(nil), c.Scales...)}, nil
}
