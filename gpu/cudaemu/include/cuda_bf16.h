// cuda_bf16.h for the CPU emulator: the bfloat16 storage type with CUDA's implicit conversions to and from
// float, and the two conversion functions the kernels use, with the hardware's rounding (round to nearest
// even, a NaN stays a NaN).
#pragma once
#include "cuda_emu.h"

__forceinline__ uint16_t cudaemu_bf16_bits(float f) {
	uint32_t u = __float_as_uint(f);
	if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu)) return (uint16_t)((u >> 16) | 0x0040u);
	u += 0x7fffu + ((u >> 16) & 1u);
	return (uint16_t)(u >> 16);
}

struct __nv_bfloat16 {
	uint16_t bits;
	__nv_bfloat16() = default;
	__nv_bfloat16(float f) : bits(cudaemu_bf16_bits(f)) {}
	operator float() const { return __uint_as_float((uint32_t)bits << 16); }
};

__forceinline__ __nv_bfloat16 __float2bfloat16_rn(float f) { return __nv_bfloat16(f); }
__forceinline__ float __bfloat162float(__nv_bfloat16 h) { return (float)h; }
