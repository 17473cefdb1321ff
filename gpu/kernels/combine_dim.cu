// The per-dimension step kernel of the sampler plans (diffusion.Plan, OpCombineDim; DPM-Solver-v3's
// coefficients depend on the coordinate): for a batch of points of d values, value i has coordinate j = i mod d
// and
//
//     dst[i] = bias[j] + sum_{k < nterms} c_k[j] * b_k[i]
//
// with up to COMBINE_DIM_MAX_TERMS terms per launch (the Go side splits longer combinations, see gpu/program.go).
// The coefficient vectors live in device memory, term k's at coefs + k d, uploaded once per executor: each c_k
// is the plan's scalar coefficient times its vector, multiplied on the host in double as diffusion's CPU
// executor multiplies them. bias may be null (zero). The arithmetic contract is combine_f32's: the sum starts
// from the bias and takes the terms in the plan's order as double FMAs, and is rounded to float once. dst may
// be one of the b_k: every element is read before it is written by the same thread.
#include "common.cuh"

#define COMBINE_DIM_MAX_TERMS 8

extern "C" __global__ void combine_dim_f32(float* dst, i64 n, i64 d, i64 nterms, const double* coefs,
	const double* bias, const float* b0, const float* b1, const float* b2, const float* b3, const float* b4,
	const float* b5, const float* b6, const float* b7) {
	const float* b[COMBINE_DIM_MAX_TERMS] = {b0, b1, b2, b3, b4, b5, b6, b7};
	const i64 stride = (i64)blockDim.x * gridDim.x;
	i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x;
	// The coordinate follows the grid-stride loop by additions (one division per thread, not per element):
	// stride mod d < d and j < d, so one subtraction keeps j in [0, d).
	const i64 jstep = stride % d;
	i64 j = i % d;
	for (; i < n; i += stride) {
		double a = bias ? bias[j] : 0.0;
#pragma unroll
		for (int k = 0; k < COMBINE_DIM_MAX_TERMS; k++)
			if (k < nterms) a = fma(coefs[k * d + j], (double)b[k][i], a);
		dst[i] = (float)a;
		j += jstep;
		if (j >= d) j -= d;
	}
}
