package fromnn

import (
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/nn"
)

// TestEGTNReadsEveryTensor: an nn EGTN of every prior reads into a gpu.EGTN that holds exactly the tensors
// the device evaluates (gpu.EGTN.Validate), with nn's defaults filled in; a prior without a denoising
// objective's process is refused.
func TestEGTNReadsEveryTensor(t *testing.T) {
	p, err := diffusion.NewProcess("vp-cosine")
	if err != nil {
		t.Fatal(err)
	}
	for i, cfg := range []nn.EGTNConfig{
		{Nodes: 4, SpatialDim: 3, CondFrames: []int{0, 1, 2}, TargetFrames: []int{3, 4}, NodeFeatures: 1, EdgeFeatures: 2, Hidden: 8, Layers: 2},
		{Nodes: 3, SpatialDim: 2, CondFrames: []int{0, 1}, TargetFrames: []int{4, 5, 6}, Hidden: 8, Layers: 1, Prior: "com", PriorOutput: true},
		{Nodes: 4, SpatialDim: 3, TargetFrames: []int{0, 1, 2}, Hidden: 8, Layers: 1},
	} {
		net, err := nn.NewEGTN(cfg, tensor.Float32)
		if err != nil {
			t.Fatal(err)
		}
		m, err := EGTN(net, gpu.Parameterization{Prediction: diffusion.PredX0, Process: p})
		if err != nil {
			t.Fatalf("config %d: %v", i, err)
		}
		if m.TimeDim != 32 || m.TimeScale != 1000 || m.Dim() != net.Dim() || m.CondDim() != net.CondDim() {
			t.Errorf("config %d: time dim %d, scale %v, dims %d/%d (nn %d/%d)", i, m.TimeDim, m.TimeScale, m.Dim(), m.CondDim(), net.Dim(), net.CondDim())
		}
		if want := map[int]string{0: "learned", 1: "com", 2: "none"}[i]; m.Prior != want {
			t.Errorf("config %d: prior %q, want %q", i, m.Prior, want)
		}
		if cfg.Prior != "" || len(cfg.CondFrames) > 0 {
			if _, err := EGTN(net, gpu.Parameterization{SigmaData: 0.5}); err == nil || !strings.Contains(err.Error(), "denoising objective") {
				t.Errorf("config %d under EDM's preconditioning: error %v", i, err)
			}
		}
	}
}
