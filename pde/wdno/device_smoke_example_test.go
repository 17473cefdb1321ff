package wdno_test

import (
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/pde/wdno"
	"github.com/trajdiff/trajdiff/train"
)

// Smoke control's guidance in a device's terms: on WDNO's 42-channel smoke wavelet layout of 8 frames of
// 8 x 8 cells the density's 3-D DWT has bands of 6 x 6 x 6 (bior1.3, zero: (8 + 6 - 1) / 2 coefficients an axis) at the start of channels 0..7;
// the guide needs them, the misfit weight and the constant gradient of -s(T-1). The physical smoke layout
// has no device guide.
func ExampleModel_DeviceSmokeGuidance() {
	two := 2
	for _, space := range []string{wdno.SpaceWavelet, wdno.SpacePhysical} {
		l, err := wdno.NewLayout(wdno.LayoutConfig{Space: space, Frames: 8, Cells: 64, State: 4, Control: &two, Grid: []int{8, 8}})
		if err != nil {
			panic(err)
		}
		m := &wdno.Model{Layout: l, Task: wdno.Control, Checkpoint: &train.Checkpoint{Process: diffusion.NewVPCosine()}}
		g, err := m.DeviceSmokeGuidance(wdno.Request{Cases: []wdno.Case{{U0: make([]float64, 64*4), Target: make([]float64, 64*4)}}})
		if err != nil {
			fmt.Printf("%s: guides on the device %v\n", space, m.GuidesOnDevice())
			continue
		}
		fmt.Printf("%s: guides on the device %v; %s %v bands %d x %d x %d in %d x %d x %d x %d images; misfit weight %g\n", space,
			m.GuidesOnDevice(), g.Wavelet, g.Mode, g.BandT, g.BandX, g.BandY, g.Channels, g.ImageFrames, g.Height, g.Width, g.D0Weight)
	}
	// Output:
	// wavelet: guides on the device true; bior1.3 zero bands 6 x 6 x 6 in 42 x 8 x 8 x 8 images; misfit weight 0.1
	// physical: guides on the device false
}
