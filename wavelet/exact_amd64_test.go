//go:build amd64 && !amd64.v3

package wavelet

// On amd64 below GOAMD64=v3 the compiler never fuses multiply-add, like the C compiler that built
// PyWavelets for Debian's x86-64 baseline, so the transforms must agree with PyWavelets bit for bit.
const expectBitExact = true
