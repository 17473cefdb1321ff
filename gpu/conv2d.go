package gpu

import "fmt"

// Conv2dShape describes a 2-D convolution (PyTorch's Conv2d with dilation 1) over channels-last images:
// x [Batch, Height, Width, In] to y [Batch, OutHeight(), OutWidth(), Out] with a Kernel x Kernel window, zero
// padding Padding on every side and Stride. Its weight on the device is [Kernel*Kernel*In, Out]
// (Conv2dDeviceWeight).
type Conv2dShape struct {
	Batch, Height, Width, In, Out, Kernel int
	Stride, Padding                       int // Stride at least 1
}

// OutHeight is PyTorch's output height, (H + 2 pad - k) / stride + 1.
func (c Conv2dShape) OutHeight() int { return (c.Height+2*c.Padding-c.Kernel)/c.Stride + 1 }

// OutWidth is PyTorch's output width, (W + 2 pad - k) / stride + 1.
func (c Conv2dShape) OutWidth() int { return (c.Width+2*c.Padding-c.Kernel)/c.Stride + 1 }

// Validate checks that every size is positive, the padding non-negative and the output non-empty.
func (c Conv2dShape) Validate() error {
	if c.Batch < 1 || c.Height < 1 || c.Width < 1 || c.In < 1 || c.Out < 1 || c.Kernel < 1 || c.Stride < 1 || c.Padding < 0 {
		return fmt.Errorf("gpu: conv2d %+v: sizes and stride must be positive, padding non-negative", c)
	}
	if c.Height+2*c.Padding < c.Kernel || c.Width+2*c.Padding < c.Kernel {
		return fmt.Errorf("gpu: conv2d %+v: the kernel is larger than the padded image", c)
	}
	return nil
}

// Conv2dDeviceWeight converts a Conv2d weight in PyTorch's layout [out, in, kh, kw] into the device layout of
// Stream.Conv2d, [kh*kw*in, out] (row (u kw + v) in + c, column o holds weight[o, c, u, v]).
func Conv2dDeviceWeight(v []float32, out, in, kh, kw int) []float32 {
	w := make([]float32, len(v))
	for o := 0; o < out; o++ {
		for c := 0; c < in; c++ {
			for u := 0; u < kh; u++ {
				for t := 0; t < kw; t++ {
					w[((u*kw+t)*in+c)*out+o] = v[((o*in+c)*kh+u)*kw+t]
				}
			}
		}
	}
	return w
}
