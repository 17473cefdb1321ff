// Elementwise kernels: the building blocks that x0 corrections, conditioning and network layers use. All take
// their scalars as double (8-byte kernel arguments) and round once to float.
#include "common.cuh"
#include <cuda_bf16.h>

// fill_f32: x[i] = v.
extern "C" __global__ void fill_f32(float* x, i64 n, double v) {
	const float f = (float)v;
	GRID_STRIDE(i, n) x[i] = f;
}

// axpby_f32: y[i] = a x[i] + b y[i] (x may equal y).
extern "C" __global__ void axpby_f32(float* y, const float* x, i64 n, double a, double b) {
	GRID_STRIDE(i, n) y[i] = (float)fma(a, (double)x[i], b * (double)y[i]);
}

// mul_f32: z[i] = x[i] y[i].
extern "C" __global__ void mul_f32(float* z, const float* x, const float* y, i64 n) {
	GRID_STRIDE(i, n) z[i] = x[i] * y[i];
}

// clamp_f32: x[i] = min(max(x[i], lo), hi), DDPM's clip of the x0-prediction (diffusion.ClipX0). NaN stays NaN
// so that the executor's finiteness check still sees it.
extern "C" __global__ void clamp_f32(float* x, i64 n, double lo, double hi) {
	const float l = (float)lo, h = (float)hi;
	GRID_STRIDE(i, n) {
		float v = x[i];
		if (v < l) v = l;
		if (v > h) v = h;
		x[i] = v;
	}
}

// silu_f32: y[i] = x[i] / (1 + exp(-x[i])) (Elfwing et al. 2018; Hendrycks & Gimpel 2016, "GELUs").
extern "C" __global__ void silu_f32(float* y, const float* x, i64 n) {
	GRID_STRIDE(i, n) {
		float v = x[i];
		y[i] = v / (1.0f + expf(-v));
	}
}

// f32_to_bf16: round to nearest even (the tensor cores' bfloat16 input format).
extern "C" __global__ void f32_to_bf16(__nv_bfloat16* y, const float* x, i64 n) {
	GRID_STRIDE(i, n) y[i] = __float2bfloat16_rn(x[i]);
}

// bf16_to_f32 widens exactly.
extern "C" __global__ void bf16_to_f32(float* y, const __nv_bfloat16* x, i64 n) {
	GRID_STRIDE(i, n) y[i] = __bfloat162float(x[i]);
}

// inpaint_f32 clamps the masked coordinates of every point (row of d values) to known values: diffusion.Inpaint
// (Janner et al. 2022, Sec. 3.2). values holds d entries (shared by all points) when per_point is 0, else one
// row per point.
extern "C" __global__ void inpaint_f32(float* x, i64 npts, i64 d, const int32_t* mask, const float* values, i64 per_point) {
	GRID_STRIDE(i, npts * d) {
		i64 j = i % d;
		if (mask[j]) x[i] = per_point ? values[i] : values[j];
	}
}
