package gpu

import "fmt"

// Conv3dShape describes a 3-D convolution (PyTorch's Conv3d) with a Kernel^3 window, stride 1 and zero
// padding Kernel/2 on every side (odd Kernel: the output keeps the input's size) over channels-last videos
// x [Batch, Frames, Height, Width, In] to y [Batch, Frames, Height, Width, Out], as Unet3D's initial and
// residual-block convolutions are. Its weight on the device is [Kernel^3 In, Out] (Conv3dDeviceWeight).
type Conv3dShape struct {
	Batch, Frames, Height, Width, In, Out, Kernel int
}

// Validate checks that every size is positive and the kernel odd.
func (c Conv3dShape) Validate() error {
	if c.Batch < 1 || c.Frames < 1 || c.Height < 1 || c.Width < 1 || c.In < 1 || c.Out < 1 || c.Kernel < 1 || c.Kernel%2 != 1 {
		return fmt.Errorf("gpu: conv3d %+v: sizes must be positive and the kernel odd", c)
	}
	return nil
}

// Conv3dDeviceWeight converts a Conv3d weight in PyTorch's layout [out, in, k, k, k] into the device layout
// of Stream.Conv3d, [k^3 in, out] (row t in + c, column o holds weight[o, c, t] for tap t = (s k + u) k + v).
func Conv3dDeviceWeight(v []float32, out, in, k int) []float32 {
	taps := k * k * k
	w := make([]float32, len(v))
	for o := 0; o < out; o++ {
		for c := 0; c < in; c++ {
			for t := 0; t < taps; t++ {
				w[(t*in+c)*out+o] = v[(o*in+c)*taps+t]
			}
		}
	}
	return w
}

// ConvTranspose2dShape describes PyTorch's ConvTranspose2d (dilation 1, no output padding) with a Kernel x
// Kernel window over channels-last images x [Batch, Height, Width, In] to y [Batch, OutHeight(), OutWidth(),
// Out]; Unet3D's upsampler is one per frame (Kernel 4, Stride 2, Padding 1). Its weight on the device is
// [Kernel^2 In, Out] (ConvTranspose2dDeviceWeight).
type ConvTranspose2dShape struct {
	Batch, Height, Width, In, Out, Kernel int
	Stride, Padding                       int
}

// OutHeight is PyTorch's output height, (H - 1) stride - 2 pad + k.
func (c ConvTranspose2dShape) OutHeight() int { return (c.Height-1)*c.Stride - 2*c.Padding + c.Kernel }

// OutWidth is PyTorch's output width, (W - 1) stride - 2 pad + k.
func (c ConvTranspose2dShape) OutWidth() int { return (c.Width-1)*c.Stride - 2*c.Padding + c.Kernel }

// Validate checks that every size and the stride are positive, the padding non-negative and the output
// non-empty.
func (c ConvTranspose2dShape) Validate() error {
	if c.Batch < 1 || c.Height < 1 || c.Width < 1 || c.In < 1 || c.Out < 1 || c.Kernel < 1 || c.Stride < 1 || c.Padding < 0 {
		return fmt.Errorf("gpu: conv-transpose2d %+v: sizes and stride must be positive, padding non-negative", c)
	}
	if c.OutHeight() < 1 || c.OutWidth() < 1 {
		return fmt.Errorf("gpu: conv-transpose2d %+v: empty output", c)
	}
	return nil
}

// ConvTranspose2dDeviceWeight converts a ConvTranspose2d weight in PyTorch's layout [in, out, k, k] (Unet3D's
// upsampler's ConvTranspose3d weight [in, out, 1, k, k] is the same array) into the device layout of
// Stream.ConvTranspose2d, [k^2 in, out] (row t in + c, column o holds weight[c, o, t]).
func ConvTranspose2dDeviceWeight(v []float32, in, out, k int) []float32 {
	taps := k * k
	w := make([]float32, len(v))
	for c := 0; c < in; c++ {
		for o := 0; o < out; o++ {
			for t := 0; t < taps; t++ {
				w[(t*in+c)*out+o] = v[(c*out+o)*taps+t]
			}
		}
	}
	return w
}
