package train

import (
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn"
)

// signalNet is a network that asks for the process's signal coefficient (as EGTN with a prior does).
type signalNet struct {
	nn.Net
	needs bool
	alpha func(float64) float64
}

func (s *signalNet) UseSignal(alpha func(float64) float64) { s.alpha = alpha }
func (s *signalNet) NeedsSignal() bool                     { return s.needs }

// A network that needs the signal gets the objective's process's alpha(t) (here GeoTDM's 100-step
// chain); one that does not, and an ordinary network, are left alone.
func TestUseSignalHandsTheProcessAlpha(t *testing.T) {
	mlp, err := nn.Spec{Arch: "mlp", MLP: &nn.MLPConfig{Dim: 2, Hidden: []int{4}, TimeDim: 4}}.New(tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, p, err := ObjectiveConfig{Process: "vp-discrete", Steps: 100}.Build()
	if err != nil {
		t.Fatal(err)
	}
	wants, idle := &signalNet{Net: mlp, needs: true}, &signalNet{Net: mlp}
	for _, n := range []nn.Net{wants, idle, mlp} {
		if err := useSignal(n, p, ObjectiveConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	if wants.alpha == nil {
		t.Fatal("the network that needs the signal did not get it")
	}
	for _, tm := range []float64{0.01, 0.37, 1} {
		if got, want := wants.alpha(tm), p.Alpha(tm); got != want {
			t.Errorf("alpha(%v) = %v, want the process's %v", tm, got, want)
		}
	}
	if idle.alpha != nil {
		t.Error("a network that does not need the signal got it")
	}
}
