package wdno

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/pde/burgers"
)

// The example configurations load, and each network takes exactly the images its layout makes from the
// preset it names: WDNO's 9 channels of bands (24 x 32 for the reduced 41 x 60 fields, 64 x 64 for the
// reference's 81 x 120), the physical-space baseline's 2 channels of the fields; the reduced WDNO and
// physical models share the network width, the simulation and control files differ only in the task.
func TestExampleConfigsMatchTheirLayouts(t *testing.T) {
	small, full := burgers.WDNOSmallParams(), burgers.WDNOParams()
	advection := burgers.Params{Cells: 64, Frames: 40} // a 41 x 64 single-channel field without control
	cns := burgers.Params{Cells: 64, Frames: 20}       // 21 x 64, density, velocity and pressure, no control
	for file, want := range map[string]struct {
		p     burgers.Params
		space string
		shape []int
		task  Task
	}{
		"wdno-advection-small-sim.toml":    {advection, SpaceWavelet, []int{5, 24, 32}, Simulate},
		"ddpm-advection-small-sim.toml":    {advection, SpacePhysical, []int{1, 44, 64}, Simulate},
		"wdno-cns-small-sim.toml":          {cns, SpaceWavelet, []int{15, 12, 32}, Simulate},
		"ddpm-cns-small-sim.toml":          {cns, SpacePhysical, []int{3, 24, 64}, Simulate},
		"wdno-burgers-small-sim.toml":      {small, SpaceWavelet, []int{9, 24, 32}, Simulate},
		"wdno-burgers-small-control.toml":  {small, SpaceWavelet, []int{9, 24, 32}, Control},
		"wdno-burgers-small-estimate.toml": {small, SpaceWavelet, []int{9, 24, 32}, Estimate},
		"ddpm-burgers-small-sim.toml":      {small, SpacePhysical, []int{2, 44, 60}, Simulate},
		"ddpm-burgers-small-control.toml":  {small, SpacePhysical, []int{2, 44, 60}, Control},
		"wdno-burgers-sim.toml":            {full, SpaceWavelet, []int{9, 64, 64}, Simulate},
		"wdno-burgers-control.toml":        {full, SpaceWavelet, []int{9, 64, 64}, Control},
	} {
		c, err := LoadConfig(filepath.Join("..", "..", "configs", file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		task, _ := c.task()
		lc := c.Layout
		lc.Frames, lc.Cells = want.p.Frames+1, want.p.Cells
		if want.p == advection || want.p == cns {
			none := 0
			lc.Control = &none
		}
		if want.p == cns {
			lc.State = 3
		}
		l, err := NewLayout(lc)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		u := c.Network.Unet2D
		if u == nil {
			t.Fatalf("%s: not a unet2d network", file)
		}
		netShape := []int{u.Channels, u.Height, u.Width}
		if want.p != full { // building the reference's 35M-parameter network would only cost time
			net, err := c.Network.New(tensor.Float32, 1)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			netShape = net.Shape()
		}
		if l.Config().Space != want.space || task != want.task || !slices.Equal(l.Shape(), want.shape) || !slices.Equal(netShape, want.shape) {
			t.Errorf("%s: %s %v, layout %v, network %v; want %s %v %v", file, l.Config().Space, task, l.Shape(), netShape, want.space, want.task, want.shape)
		}
	}
}

// A configuration's train.init, like out and data.path, is resolved against the file's directory, so that
// a warm restart names the finished run as the configuration beside it does.
func TestLoadConfigResolvesInitBesideTheFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "configs", "wdno-advection-small-sim.toml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "[train]\n", "[train]\ninit = \"wdno-advection-small-sim\"\n", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "restart.toml")
	if err := os.WriteFile(path, []byte(text), 0o666); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "wdno-advection-small-sim"); c.Train.Init != want {
		t.Errorf("init %q, want %q", c.Train.Init, want)
	}
}
