package wdno

import (
	"fmt"

	"github.com/trajdiff/trajdiff/wavelet"
)

// DeviceSmokeGuidance is Generate's smoke control guidance (guide.correct with smokeObjective) for the smoke
// wavelet layout in plain numbers, what a device x0 correction needs to run it without this package
// (gpu.SmokeControlConfig and gpu.NewSmokeControlGuide take exactly these): the image [Cases, Channels,
// ImageFrames, Height, Width] holds the density's one-level 3-D DWT over (Frames, GridX, GridY) in channels
// 0..7 (bands in pywt.dwtn's order, BandT x BandX x BandY at the start of every axis, each divided by its
// channel's scale); J = -s(T-1) + D0Weight mean_cells (d(0) - d0*)^2 of the decoded trajectory. The layout
// decodes s linearly, so -s(T-1)'s gradient with respect to an image is the constant Linear (the layout's
// DecodeAdjoint of it, computed here once); the misfit's runs through the density's inverse 3-D DWT. Each x0
// prediction moves by -Step(t) dJ/dx0 between two fixes of its known entries and clamp.
type DeviceSmokeGuidance struct {
	Wavelet                              string
	Mode                                 wavelet.Mode
	Cases                                int
	Frames, GridX, GridY                 int
	Channels, ImageFrames, Height, Width int
	BandT, BandX, BandY                  int
	Scales                               []float64
	Linear                               []float64 // one image
	D0s                                  [][]float64
	D0Weight                             float64
	Step                                 func(t float64) float64 // sigma/alpha lambda beta(t), as guide.correct
}

// DeviceSmokeGuidance returns req's smoke control guidance in a device's terms: nil when Generate would not
// guide (another task, or weight 0); an error for a layout other than the smoke wavelet layout.
func (m *Model) DeviceSmokeGuidance(req Request) (*DeviceSmokeGuidance, error) {
	o, weight, guided, err := m.guidance(req)
	if !guided || err != nil {
		return nil, err
	}
	return m.deviceSmokeGuidanceOf(o, weight, len(req.Cases))
}

// deviceSmokeGuidanceOf is DeviceSmokeGuidance for the objective o of weight w over n images: image j guides
// toward case j mod len(d0s), as guide.correct pairs particles with their cases.
func (m *Model) deviceSmokeGuidanceOf(o objective, weight float64, n int) (*DeviceSmokeGuidance, error) {
	l, ok := m.Layout.(*smokeWaveletLayout)
	if !ok {
		return nil, fmt.Errorf("wdno: device smoke guidance needs the smoke wavelet layout, not %T", m.Layout)
	}
	obj, ok := o.(smokeObjective)
	if !ok || len(obj.d0s) == 0 {
		return nil, fmt.Errorf("wdno: device smoke guidance: no smoke control objective")
	}
	g, err := l.deviceGuidance(obj)
	if err != nil {
		return nil, err
	}
	g.Cases = n
	g.D0s = make([][]float64, n)
	for j := range n {
		g.D0s[j] = obj.d0s[j%len(obj.d0s)]
	}
	p := m.Checkpoint.Process
	g.Step = func(t float64) float64 { return guideStep(p, weight, t) }
	return g, nil
}

// deviceGuidance is the layout's part of DeviceSmokeGuidance: its geometry and the gradient of -s(T-1).
func (l *smokeWaveletLayout) deviceGuidance(o smokeObjective) (*DeviceSmokeGuidance, error) {
	c := l.cfg
	mode, err := wavelet.ParseMode(c.Mode)
	if err != nil {
		return nil, fmt.Errorf("wdno: device smoke guidance: %w", err)
	}
	// J's linear part -mean_cells s(T-1, cell) has the image gradient DecodeAdjoint(gu) for gu = -1/C on the
	// last frame's s entries: Decode reads s linearly, so this holds for every image.
	nu, nf := c.sizes()
	gu, gf, lin := make([]float64, nu), make([]float64, nf), make([]float64, l.dim)
	last := (o.frames - 1) * o.cells * smokeState
	for cell := 0; cell < o.cells; cell++ {
		gu[last+cell*smokeState+smokeS] = -1 / float64(o.cells)
	}
	if err := l.DecodeAdjoint(gu, gf, lin); err != nil {
		return nil, fmt.Errorf("wdno: device smoke guidance: %w", err)
	}
	return &DeviceSmokeGuidance{Wavelet: c.Wavelet, Mode: mode, Frames: c.Frames, GridX: c.Grid[0], GridY: c.Grid[1],
		Channels: l.ch, ImageFrames: l.tf, Height: l.h, Width: l.w, BandT: l.bt, BandX: l.bx, BandY: l.by,
		Scales: append([]float64(nil), c.Scales...), Linear: lin, D0Weight: SmokeD0Weight}, nil
}
