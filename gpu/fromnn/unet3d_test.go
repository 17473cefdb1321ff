package fromnn

import (
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/nn"
)

// unet3dConfigs are the 3-D U-Nets of the checks: WDNO's smoke layout (every attention on) at two
// resolutions with a 3^3 initial convolution, three resolutions with the default 7^3 one and heads of
// different widths in time and space, and one without attentions.
func unet3dConfigs() []nn.Unet3DConfig {
	no := false
	return []nn.Unet3DConfig{
		{Frames: 5, Height: 8, Width: 8, Channels: 3, Dim: 8, DimMults: []int{1, 2}, Groups: 4, AttnHeads: 2, AttnDimHead: 4, SpatialDimHead: 4, InitKernel: 3},
		{Frames: 4, Height: 8, Width: 4, Channels: 2, Dim: 8, DimMults: []int{1, 2, 2}, Groups: 2, AttnHeads: 2, AttnDimHead: 6, SpatialDimHead: 4},
		{Frames: 3, Height: 4, Width: 4, Channels: 1, Dim: 4, DimMults: []int{1, 2}, Groups: 2, AttnHeads: 1, AttnDimHead: 2, SpatialDimHead: 2, InitKernel: 1,
			LinearAttention: &no, TemporalAttention: &no, MidAttention: &no},
	}
}

// TestUnet3DStateDictIsTheDevicesTensors: the device's Unet3D needs exactly the tensors of nn's state_dict
// (names and sizes, the rotary frequency buffers and the relative position table included) for every
// configuration of the checks; a tensor missing or a network of another architecture is refused.
func TestUnet3DStateDictIsTheDevicesTensors(t *testing.T) {
	for i, cfg := range unet3dConfigs() {
		net, err := nn.NewUnet3D(cfg, tensor.Float32)
		if err != nil {
			t.Fatal(err)
		}
		net.Params().Init(uint64(i))
		u, err := Unet3D(net)
		if err != nil {
			t.Fatalf("config %d: %v", i, err)
		}
		if len(u.Tensors) != len(net.Params().All()) {
			t.Errorf("config %d: %d tensors, nn has %d parameters", i, len(u.Tensors), len(net.Params().All()))
		}
		delete(u.Tensors, "init_conv.bias")
		if err := u.Validate(); err == nil || !strings.Contains(err.Error(), "init_conv.bias") {
			t.Errorf("config %d without init_conv.bias: error %v", i, err)
		}
	}
	other, err := nn.NewUnet2D(nn.Unet2DConfig{Height: 4, Width: 4, Channels: 1, Dim: 4, DimMults: []int{1}}, tensor.Float32)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Unet3D(other); err == nil || !strings.Contains(err.Error(), `Unet3D of a "unet2d" network`) {
		t.Errorf("Unet3D of a unet2d: error %v", err)
	}
}
