package fromnn_test

import (
	"fmt"
	"log"
	"os"

	"github.com/trajdiff/trajdiff/gpu/fromnn"
	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/train"
)

// ValueMLP reads a value run's MLP for the device's value guidance (gpu.ValueGuide, Sampler.SampleGuided):
// the window, the time features and the Linear layers, in PyTorch's [out, in] layout.
func ExampleValueMLP() {
	dir, err := os.MkdirTemp("", "fromnn-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	v := trainPlanner(dir, func(c *train.Config) {
		c.Data.Inpaint, c.Data.ReturnsScale, c.Data.Discount = nil, 10, 0.99
		c.Network = nn.Spec{Arch: "regressor", Regressor: &nn.RegressorConfig{In: 24 + train.ValueTimeFeatures, Out: 1, Hidden: []int{16}, Activation: "mish"}}
		c.Objective = train.ObjectiveConfig{Kind: train.ObjectiveValue, Process: "vp-cosine"}
		c.Sample = train.SampleConfig{}
	})
	net, err := fromnn.ValueMLP(v)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("window %d, %d time features on [%g, %g], %v\n", net.Window, net.Features, net.TMin, net.TMax, net.Act)
	for l, b := range net.Biases {
		fmt.Printf("layer %d: %d weights, %d biases\n", l, len(net.Weights[l]), len(b))
	}
	// Output:
	// window 24, 8 time features on [0.001, 0.9946], mish
	// layer 0: 512 weights, 16 biases
	// layer 1: 16 weights, 1 biases
}
