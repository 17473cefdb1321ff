package wdno

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/train"
)

// countingDenoiser counts the points a search evaluates through it.
type countingDenoiser struct {
	diffusion.Denoiser
	points int
}

func (c *countingDenoiser) Denoise(dst, x []float64, t float64) error {
	c.points += len(x) / c.Dim()
	return c.Denoiser.Denoise(dst, x, t)
}

// Request.Network evaluates the search's network (the GPU's, through `pde evaluate --device gpu
// --particle-method`): every evaluation goes to it, sized by the search's particles, a denoiser computing
// what the checkpoint's computes gives the CPU search's results exactly, and a device sampler alone, a
// failing or a misfitting network are refused with errors that say so.
func TestControlSearchEvaluatesTheInjectedNetwork(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 64, 1)
	test := writeTinyData(t, dir, "test.arrow", 3, 2)
	m, _ := trainTiny(t, tinyConfig(dir, data, SpaceWavelet, "control", 20))
	d := openData(t, test)
	ctx := context.Background()
	search := diffusion.ParticleSearch{Method: diffusion.ParticleResample, Steps: 4, Budget: 12, TopK: 1}
	var cases []Case
	for i := range d.Len() {
		u, _, err := d.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, Case{U0: u[:d.Cells], Target: u[len(u)-d.Cells:]})
	}
	own, err := m.SearchControl(ctx, Request{Cases: cases, Seed: 3}, search, d.Params)
	if err != nil {
		t.Fatal(err)
	}
	var asked []int
	counter := &countingDenoiser{Denoiser: m.Checkpoint.Denoiser}
	inject := func(c *train.Checkpoint, points int) (diffusion.Denoiser, error) {
		if c != m.Checkpoint {
			t.Error("the search asked for another checkpoint's network")
		}
		asked = append(asked, points)
		return counter, nil
	}
	device := func(context.Context, DeviceProblem) ([]float64, error) {
		t.Error("the search ran its loop on the device sampler")
		return nil, errors.New("unused")
	}
	got, err := m.SearchControl(ctx, Request{Cases: cases, Seed: 3, Network: inject, Device: device}, search, d.Params)
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != 3 {
		t.Errorf("the network was asked for %v points; want once for the 3 particles", asked)
	}
	if want := len(cases) * search.Budget; counter.points != want {
		t.Errorf("the injected network evaluated %d points; want the whole budget, %d", counter.points, want)
	}
	for j := range cases {
		for i, v := range own.F[j] {
			if got.F[j][i] != v {
				t.Fatalf("case %d control %d: %v with the injected network, %v with the checkpoint's", j, i, got.F[j][i], v)
			}
		}
	}
	for _, c := range []struct {
		req  Request
		want string
	}{
		{Request{Cases: cases, Device: device}, "Request.Network"},
		{Request{Cases: cases, Network: func(*train.Checkpoint, int) (diffusion.Denoiser, error) { return nil, errors.New("out of memory") }}, "out of memory"},
		{Request{Cases: cases, Network: func(*train.Checkpoint, int) (diffusion.Denoiser, error) {
			return wrongDim{m.Checkpoint.Denoiser}, nil
		}}, "dimension"},
	} {
		if _, err := m.SearchControl(ctx, c.req, search, d.Params); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v; want an error mentioning %q", err, c.want)
		}
	}
}

// wrongDim is a denoiser that claims one dimension more than it has.
type wrongDim struct{ diffusion.Denoiser }

func (w wrongDim) Dim() int { return w.Denoiser.Dim() + 1 }

// With a device sampler, what its loop cannot express runs on the host with the network from
// Request.Network: the physical layout's control guidance (its gradient through the decoder) gives exactly
// the CPU's Generate with every evaluation through the network and the device sampler never called, and
// without Network it is refused as before.
func TestHostGuidanceEvaluatesTheInjectedNetwork(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyData(t, dir, "train.arrow", 16, 1)
	test := writeTinyData(t, dir, "test.arrow", 2, 2)
	d := openData(t, test)
	m, _ := trainTiny(t, tinyConfig(dir, data, SpacePhysical, "control", 3))
	var cases []Case
	for i := range d.Len() {
		u, _, err := d.Fields(i, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, Case{U0: u[:d.Cells], Target: u[len(u)-d.Cells:]})
	}
	req := Request{Cases: cases, Solver: "ddim", Steps: 3, Seed: 4}
	want, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	req.Device = cpuDevice(t, &calls)
	if _, err := m.Generate(context.Background(), req); err == nil || !strings.Contains(err.Error(), "guidance") {
		t.Errorf("the physical layout's guidance with a device sampler alone: %v, want a refusal naming the guidance", err)
	}
	counter := &countingDenoiser{Denoiser: m.Checkpoint.Denoiser}
	req.Network = func(c *train.Checkpoint, points int) (diffusion.Denoiser, error) {
		if c != m.Checkpoint || points != len(cases) {
			t.Errorf("asked for checkpoint %p with %d points; want the model's for the %d cases", c, points, len(cases))
		}
		return counter, nil
	}
	calls = 0
	got, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 0 || counter.points != len(cases)*want.NFE {
		t.Errorf("the device sampler ran %d times and the network evaluated %d points; want 0 and %d", calls, counter.points, len(cases)*want.NFE)
	}
	for j := range want.F {
		for i, v := range want.F[j] {
			if got.F[j][i] != v {
				t.Fatalf("case %d control %d: %v with the injected network, %v on the CPU", j, i, got.F[j][i], v)
			}
		}
	}
}
