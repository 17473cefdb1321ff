package gpu

import "fmt"

// Conv1dShape describes a 1-D convolution (PyTorch's Conv1d) over channels-last data: x [Batch, Length, In]
// to y [Batch, OutLength(), Out] with Kernel taps, zero padding Padding on both sides, Stride and Dilation.
// Its weight on the device is [Kernel*In, Out]: nn's tap-major weight [Out, Kernel, In] transposed, as a
// Linear weight is. The same shape describes a transposed convolution (ConvTranspose1d, TransposedLength),
// whose OutPadding extends the output on one side.
type Conv1dShape struct {
	Batch, Length, In, Out, Kernel int
	Stride, Padding, Dilation      int // Stride and Dilation at least 1
	OutPadding                     int // transposed convolutions only: 0 <= OutPadding < max(Stride, Dilation)
}

// TransposedLength is PyTorch's ConvTranspose1d output length,
// (L - 1) stride - 2 pad + dil (k - 1) + out_pad + 1.
func (c Conv1dShape) TransposedLength() int {
	return (c.Length-1)*c.Stride - 2*c.Padding + c.Dilation*(c.Kernel-1) + c.OutPadding + 1
}

// ValidateTransposed checks a transposed convolution's shape.
func (c Conv1dShape) ValidateTransposed() error {
	if c.Batch < 1 || c.Length < 1 || c.In < 1 || c.Out < 1 || c.Kernel < 1 || c.Stride < 1 || c.Dilation < 1 || c.Padding < 0 {
		return fmt.Errorf("gpu: conv_transpose1d %+v: sizes, stride and dilation must be positive, padding non-negative", c)
	}
	if c.OutPadding < 0 || c.OutPadding >= max(c.Stride, c.Dilation) {
		return fmt.Errorf("gpu: conv_transpose1d %+v: output padding must be below stride or dilation", c)
	}
	if c.TransposedLength() < 1 {
		return fmt.Errorf("gpu: conv_transpose1d %+v: empty output", c)
	}
	return nil
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
	if c.OutPadding != 0 {
		return fmt.Errorf("gpu: conv1d %+v: output padding belongs to transposed convolutions", c)
	}
	if c.Length+2*c.Padding < c.Dilation*(c.Kernel-1)+1 {
		return fmt.Errorf("gpu: conv1d %+v: the dilated kernel is longer than the padded input", c)
	}
	return nil
}
