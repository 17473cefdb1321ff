package wdno

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/train"
)

// DeviceProblem is one batch of Generate's sampling loop as another executor (a GPU) runs it: the plan from
// the initial state X (N images of the layout's Dim values, the CPU's noise), after every step the known
// entries set to their values (Inpaint), and every x0 prediction with its known entries set and, when
// ClipX0, its other entries clamped to [-1, 1] (Generate's x0 correction without control guidance); with
// Guidance (control on the 1-D wavelet layout with a weight above 0), every x0 prediction is fixed, moved by
// -Guidance.Step(t) dJ/dx0 and fixed again, as guide.correct does (DeviceGuidance states how); Smoke does
// the same for smoke control on its 3-D wavelet layout (DeviceSmokeGuidance). The
// checkpoint gives the network and how its output becomes x0; Seed keys the plan's noise as
// diffusion.RunOptions.Seed does. NonFinite isolates a diverging case as diffusion.RunOptions.NonFinite does
// on the CPU: the sampler calls it once for each case whose network output or final state went non-finite,
// returns that case NaN and the others as in a run without it.
type DeviceProblem struct {
	Checkpoint *train.Checkpoint
	Plan       *diffusion.Plan
	X          []float64
	Known      []bool               // one image's known entries (Layout.Known of the task)
	Values     []float64            // N images: each case's encoded image, its known entries holding the condition
	Guidance   *DeviceGuidance      // nil: no control guidance
	Smoke      *DeviceSmokeGuidance // nil: no smoke control guidance (the smoke wavelet layout's, as Guidance)
	ClipX0     bool
	Seed       uint64
	Progress   func(done, total int)
	NonFinite  func(example int, t float64)
}

// DeviceSampler runs a DeviceProblem and returns the final state (N Dim values). It is injected through
// Request.Device, so that this package never depends on the GPU code (cmd/trajdiff's `pde evaluate --device
// gpu` gives gpu/fromnn's Sampler).
type DeviceSampler func(ctx context.Context, p DeviceProblem) ([]float64, error)

// deviceLoop reports whether the device can run sample's whole loop for n images: no extra conditioner, no
// projection onto the ends, and control guidance only where it has a guide (the wavelet layouts' control objectives).
func (m *Model) deviceLoop(o sampling, g *guide, n int) bool {
	if o.extra != nil || o.ends != nil {
		return false
	}
	if g.weight == 0 || g.obj == nil {
		return true
	}
	if _, smoke := g.obj.(smokeObjective); smoke {
		_, err := m.deviceSmokeGuidanceOf(g.obj, g.weight, n)
		return err == nil
	}
	_, err := m.deviceGuidanceOf(g.obj, g.weight, n)
	return err == nil
}

// hostNetwork is net's denoiser for the model's checkpoint, for calls of about points images, checked
// against the layout's dimension.
func (m *Model) hostNetwork(net HostDenoiser, points int) (diffusion.Denoiser, error) {
	den, err := net(m.Checkpoint, max(points, 1))
	if err != nil {
		return nil, fmt.Errorf("wdno: the host loop's network: %w", err)
	}
	if den == nil || den.Dim() != m.Layout.Dim() {
		d := 0
		if den != nil {
			d = den.Dim()
		}
		return nil, fmt.Errorf("wdno: the host loop's network has dimension %d, the model's images %d", d, m.Layout.Dim())
	}
	return den, nil
}

// runDevice is Model.sample's loop on o.device: what the device cannot do (an extra conditioner, guidance
// on a layout without a device guide: the physical space's) is refused; a diverging case
// is isolated there too, reported to nonFinite.
func (m *Model) runDevice(ctx context.Context, o sampling, g *guide, plan *diffusion.Plan, x []float64, nonFinite func(int, float64)) error {
	if o.extra != nil {
		return fmt.Errorf("wdno: an extra conditioner has no device path; sample on the CPU")
	}
	if o.ends != nil {
		return fmt.Errorf("wdno: the projection onto u0 and u* has no device path; sample on the CPU or give Request.Network")
	}
	var dg *DeviceGuidance
	var ds *DeviceSmokeGuidance
	if g.weight != 0 && g.obj != nil {
		var err error
		if _, smoke := g.obj.(smokeObjective); smoke {
			ds, err = m.deviceSmokeGuidanceOf(g.obj, g.weight, len(x)/len(g.known))
		} else {
			dg, err = m.deviceGuidanceOf(g.obj, g.weight, len(x)/len(g.known))
		}
		if err != nil {
			return fmt.Errorf("wdno: control guidance (weight %g) has no device path here (%w); sample on the CPU or set the guidance to 0", g.weight, err)
		}
	}
	out, err := o.device(ctx, DeviceProblem{Checkpoint: m.Checkpoint, Plan: plan, X: x, Known: g.known, Values: g.values,
		Guidance: dg, Smoke: ds, ClipX0: g.clip, Seed: o.seed, Progress: o.progress, NonFinite: nonFinite})
	if err != nil {
		return err
	}
	if len(out) != len(x) {
		return fmt.Errorf("wdno: the device sampler returned %d values for %d", len(out), len(x))
	}
	copy(x, out)
	return nil
}
