// Shared helpers of trajdiff's CUDA kernels. Every kernel is extern "C" (unmangled names, looked up by the Go
// package) and takes only 8-byte arguments (pointers, long long, double): gorgonia.org/cu's Launch copies
// exactly 8 bytes per kernel parameter.
#pragma once

#include <stdint.h>

typedef long long i64;
typedef unsigned long long u64;

// DYNAMIC_SMEM declares the block's dynamic shared memory (the size is the launch's) as an array of type.
// The CPU emulator (gpu/cudaemu) defines it as a pointer to its own region.
#ifndef TRAJDIFF_CUDA_EMU
#define DYNAMIC_SMEM(type, name) extern __shared__ __align__(128) type name[]
#endif

// Grid-stride loop over [0, n): the host sizes grids to the device, not to n, so one launch covers any length.
#define GRID_STRIDE(i, n) \
	for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)blockDim.x * gridDim.x)

// warp_sum_d adds v over the 32 lanes of a warp; every lane gets the sum.
__device__ __forceinline__ double warp_sum_d(double v) {
	for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

__device__ __forceinline__ float warp_sum_f(float v) {
	for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

__device__ __forceinline__ double warp_max_d(double v) {
	for (int o = 16; o > 0; o >>= 1) v = fmax(v, __shfl_xor_sync(0xffffffffu, v, o));
	return v;
}

__device__ __forceinline__ u64 warp_sum_u(u64 v) {
	for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

// is_finite_f is true for a float that is neither NaN nor +-Inf (exponent bits not all ones). Written on the
// bits so that it survives any fast-math flag.
__device__ __forceinline__ bool is_finite_f(float x) {
	return (__float_as_uint(x) & 0x7f800000u) != 0x7f800000u;
}
