package wdno_test

import (
	"fmt"

	"github.com/trajdiff/trajdiff/pde/wdno"
)

// Which estimation methods `pde estimate --device gpu` can run: the prior draw samples through
// EstimateOptions.Device, the model-free baselines sample nothing, and the others are refused there.
func ExampleDeviceMethod() {
	for _, m := range wdno.EstimateMethods() {
		fmt.Printf("%s: %v\n", m, wdno.DeviceMethod(m))
	}
	// Output:
	// reddiff: false
	// clamp: false
	// guided: false
	// prior: true
	// interpolate: true
	// resimulate: true
}

// Which layouts' control guidance runs on a device (`pde evaluate --device gpu` with --guidance above 0):
// Burgers' 1-D wavelet layout has a device guide (gpu.WaveletControlGuide); the physical space has none, and
// is refused there.
func ExampleModel_GuidesOnDevice() {
	for _, space := range []string{wdno.SpaceWavelet, wdno.SpacePhysical} {
		l, err := wdno.NewLayout(wdno.LayoutConfig{Space: space, Frames: 9, Cells: 12})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %v\n", space, (&wdno.Model{Layout: l, Task: wdno.Control}).GuidesOnDevice())
	}
	// Output:
	// wavelet: true
	// physical: false
}
