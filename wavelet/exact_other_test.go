//go:build !amd64 || amd64.v3

package wavelet

// Elsewhere the compiler may fuse multiply-adds; results then agree with PyWavelets to rounding only.
const expectBitExact = false
