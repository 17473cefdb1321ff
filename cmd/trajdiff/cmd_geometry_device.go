package main

import (
	"flag"
	"fmt"

	"github.com/trajdiff/trajdiff/geometry/geotdm"
	"github.com/trajdiff/trajdiff/gpu/fromnn"
)

// registerGeometryDevice adds the --device flag of `geometry forecast`, `geometry evaluate` and `geometry
// generate`.
func registerGeometryDevice(fs *flag.FlagSet) *string {
	return fs.String("device", "cpu", "cpu, or gpu / gpu:N for a binary built with -tags trajdiff_cuda: the checkpoints' samples drawn on the GPU in float32 "+
		"(egtn networks; a diverged sample fails its own system, as on the CPU; two-field pairs and generate's scores stay on the CPU)")
}

// geometryDeviceSampler is the forecasts' sampler for --device and the function that releases it: nil for
// the CPU; for gpu or gpu:N a gpu/fromnn.Sampler on that device, opened once for every batch and checkpoint,
// injected through geotdm's Options.Sample so that geometry/geotdm never depends on package gpu. It names the
// device on stderr.
func geometryDeviceSampler(env *cliEnv, device, command string) (geotdm.SampleFunc, func() error, error) {
	none := func() error { return nil }
	ordinal, err := parseDevice(device)
	if err != nil {
		return nil, none, usagef("%v", err)
	}
	if ordinal < 0 {
		return nil, none, nil
	}
	s, err := fromnn.NewSampler(fromnn.SampleOptions{Ordinal: ordinal})
	if err != nil {
		return nil, none, err
	}
	fmt.Fprintf(env.stderr, "%s: sampling on %s\n", command, s.Info())
	return s.Sample, s.Close, nil
}
