package train

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/nn"
)

// A configuration file's [network] arch = "unet3d" with its [network.unet3d] table builds WDNO's video
// U-Net; a run trains it, and its checkpoint rebuilds the same network with the trained weights. (The
// [data] table is required of a file; the run draws its examples from an in-memory source, as pde/wdno's
// runs do.)
func TestConfigUnet3DTrainsAndReloads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	os.WriteFile(path, []byte(`out = "run"
[data]
path = "unused.arrow"
horizon = 1
[network]
arch = "unet3d"
[network.unet3d]
frames = 3
height = 4
width = 4
channels = 2
dim = 4
dim_mults = [1, 2]
groups = 2
attn_heads = 2
attn_dim_head = 2
spatial_dim_head = 2
init_kernel = 3
[objective]
process = "vp-cosine"
prediction = "eps"
[train]
steps = 3
batch = 2
lr = 1e-3
seed = 5
checkpoint_every = 3
`), 0o644)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	u := cfg.Network.Unet3D
	if cfg.Network.Arch != "unet3d" || u == nil || u.Frames != 3 || u.SpatialDimHead != 2 || u.InitKernel != 3 {
		t.Fatalf("network %+v", cfg.Network)
	}
	const D = 2 * 3 * 4 * 4 // [channels, frames, height, width]
	src := &FuncSource{D: D, Seed: 1, Draw: func(rng *rand.Rand, x0, _ []float64) error {
		for i := range x0 {
			x0[i] = rng.NormFloat64() * 0.5
		}
		return nil
	}}
	tr := &Trainer{Spec: cfg.Network, Objective: cfg.Objective, Source: src, Options: cfg.Train, Dir: cfg.Out}
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 3 {
		t.Fatalf("trained %d steps", res.Steps)
	}
	ck, err := LoadCheckpoint(cfg.Out, LoadOptions{Weights: RawWeights})
	if err != nil {
		t.Fatal(err)
	}
	net, ok := ck.Net.(*nn.Unet3D)
	if !ok {
		t.Fatalf("checkpoint network %T", ck.Net)
	}
	if s := net.Shape(); len(s) != 4 || s[0] != 2 || s[1] != 3 || s[2] != 4 || s[3] != 4 || ck.Denoiser.Dim() != D {
		t.Fatalf("shape %v, denoiser dim %d", s, ck.Denoiser.Dim())
	}
	for i, p := range net.Params().All() {
		want := res.Net.Params().All()[i].Float32s()
		for j, v := range p.Float32s() {
			if v != want[j] {
				t.Fatalf("%s[%d] = %v after reload, trained %v", p.Name, j, v, want[j])
			}
		}
	}
}
