//go:build !cuda && !trajdiff_cuda

package gpu

import (
	"context"
	"errors"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

func TestOpenWithoutCUDA(t *testing.T) {
	d, err := Open(0)
	if d != nil || !errors.Is(err, ErrNoCUDA) {
		t.Fatalf("Open(0) = %v, %v; want nil, ErrNoCUDA", d, err)
	}
}

func TestNetworksWithoutCUDAAreRefused(t *testing.T) {
	net := randomMLP(1, 2, 0, 4, []int{3}, ActMish, false)
	pz := Parameterization{SigmaData: 0.5}
	if p, err := NewPredictor(nil, net, pz, 1, PredictorOptions{}); p != nil || !errors.Is(err, ErrNoCUDA) {
		t.Fatalf("NewPredictor = %v, %v; want nil, ErrNoCUDA", p, err)
	}
	if p, err := NewUnetPredictor(nil, &TemporalUnet{}, pz, 1, PredictorOptions{}); p != nil || !errors.Is(err, ErrNoCUDA) {
		t.Fatalf("NewUnetPredictor = %v, %v; want nil, ErrNoCUDA", p, err)
	}
	plan := &diffusion.Plan{}
	if _, err := SampleNetwork(context.Background(), 0, plan, net, pz, make([]float64, 2), 1, PredictorOptions{}, nil); !errors.Is(err, ErrNoCUDA) {
		t.Fatalf("SampleNetwork: %v, want ErrNoCUDA", err)
	}
}
