// Package kern holds the mathematics of package nn's layers as kernels on flat, row-major buffers: each
// layer has a forward and a backward kernel that write into caller-owned memory (no allocation) and split
// their work across goroutines where it pays. The kernels are generic over float32 (training and inference)
// and float64 (the finite-difference gradient tests); matrix products go through package gemm.
//
// Layout: sequences and images are channels-last, [B, S, C] with S the product of the spatial sizes
// ([B, L, C] for 1-D, [B, H, W, C] for 2-D), so that a convolution is an im2col gather of contiguous
// channel vectors followed by one GEMM, and normalisation over a channel group reads contiguous memory.
// Weights keep PyTorch's layouts (Linear [out, in], Conv [out, in, kh, kw], ConvTranspose [in, out, kh, kw]).
package kern
