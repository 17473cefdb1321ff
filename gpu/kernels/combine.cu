// The generic step kernel of the sampler plans (diffusion.Plan, OpCombine):
//
//     dst[i] = sum_{k < nterms} c_k * b_k[i]
//
// with up to COMBINE_MAX_TERMS terms per launch (the Go side splits longer combinations, see gpu/program.go).
// dst may be one of the b_k: every element is read before it is written by the same thread. Coefficients come
// in double, exactly as the plan computed them on the host, and the sum is accumulated in double and rounded to
// float once, so the only rounding of a step is that of the float32 state.
#include "common.cuh"

#define COMBINE_MAX_TERMS 8

template <bool V4>
__device__ __forceinline__ void combine_body(float* dst, i64 n, i64 nterms,
	const float* b0, const float* b1, const float* b2, const float* b3,
	const float* b4, const float* b5, const float* b6, const float* b7,
	double c0, double c1, double c2, double c3, double c4, double c5, double c6, double c7) {
	const float* b[COMBINE_MAX_TERMS] = {b0, b1, b2, b3, b4, b5, b6, b7};
	const double c[COMBINE_MAX_TERMS] = {c0, c1, c2, c3, c4, c5, c6, c7};
	if (V4) {
		// 16-byte accesses; the host takes this path only when every pointer is 16-byte aligned.
		i64 n4 = n >> 2;
		GRID_STRIDE(q, n4) {
			double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma unroll
			for (int k = 0; k < COMBINE_MAX_TERMS; k++) {
				if (k < nterms) {
					float4 v = reinterpret_cast<const float4*>(b[k])[q];
					a0 = fma(c[k], (double)v.x, a0);
					a1 = fma(c[k], (double)v.y, a1);
					a2 = fma(c[k], (double)v.z, a2);
					a3 = fma(c[k], (double)v.w, a3);
				}
			}
			reinterpret_cast<float4*>(dst)[q] = make_float4((float)a0, (float)a1, (float)a2, (float)a3);
		}
		// The n % 4 tail, by the first threads of the grid.
		i64 t = (i64)blockIdx.x * blockDim.x + threadIdx.x;
		i64 i = (n4 << 2) + t;
		if (i < n) {
			double a = 0;
#pragma unroll
			for (int k = 0; k < COMBINE_MAX_TERMS; k++)
				if (k < nterms) a = fma(c[k], (double)b[k][i], a);
			dst[i] = (float)a;
		}
	} else {
		GRID_STRIDE(i, n) {
			double a = 0;
#pragma unroll
			for (int k = 0; k < COMBINE_MAX_TERMS; k++)
				if (k < nterms) a = fma(c[k], (double)b[k][i], a);
			dst[i] = (float)a;
		}
	}
}

extern "C" __global__ void combine_f32x4(float* dst, i64 n, i64 nterms,
	const float* b0, const float* b1, const float* b2, const float* b3,
	const float* b4, const float* b5, const float* b6, const float* b7,
	double c0, double c1, double c2, double c3, double c4, double c5, double c6, double c7) {
	combine_body<true>(dst, n, nterms, b0, b1, b2, b3, b4, b5, b6, b7, c0, c1, c2, c3, c4, c5, c6, c7);
}

extern "C" __global__ void combine_f32(float* dst, i64 n, i64 nterms,
	const float* b0, const float* b1, const float* b2, const float* b3,
	const float* b4, const float* b5, const float* b6, const float* b7,
	double c0, double c1, double c2, double c3, double c4, double c5, double c6, double c7) {
	combine_body<false>(dst, n, nterms, b0, b1, b2, b3, b4, b5, b6, b7, c0, c1, c2, c3, c4, c5, c6, c7);
}
