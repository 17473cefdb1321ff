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
