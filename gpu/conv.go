package gpu

import "fmt"

// Conv1dShape describes a 1-D convolution (PyTorch's Conv1d) over channels-last data: x [Batch, Length, In]
// to y [Batch, OutLength(), Out] with Kernel taps, zero padding Padding on both sides, Stride and Dilation.
// Its weight on the device is [Kernel*In, Out]: nn's tap-major weight [Out, Kernel, In] transposed, as a
// Linear weight is.
type Conv1dShape struct {
	Batch, Length, In, Out, Kernel int
	Stride, Padding, Dilation      int // Stride and Dilation at least 1
}

// OutLength is PyTorch's output length, (L + 2 pad - dil (k - 1) - 1) / stride + 1.
func (c Conv1dShape) OutLength() int {
	return (c.Length+2*c.Padding-c.Dilation*(c.Kernel-1)-1)/c.Stride + 1
}

// Validate checks that every size is positive, the padding non-negative and the output non-empty.
func (c Conv1dShape) Validate() error {
	if c.Batch < 1 || c.Length < 1 || c.In < 1 || c.Out < 1 || c.Kernel < 1 || c.Stride < 1 || c.Dilation < 1 || c.Padding < 0 {
		return fmt.Errorf("gpu: conv1d %+v: sizes, stride and dilation must be positive, padding non-negative", c)
	}
	if c.Length+2*c.Padding < c.Dilation*(c.Kernel-1)+1 {
		return fmt.Errorf("gpu: conv1d %+v: the dilated kernel is longer than the padded input", c)
	}
	return nil
}
