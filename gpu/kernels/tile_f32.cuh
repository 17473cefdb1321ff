// tile_gemm_f32: the exact-float32 tiled product behind linear_f32 and conv1d_f32,
//
//	y[r, c] = act(bias[c] + sum_k A(r, k) wt[k, c])      A [m, k] read through a loader, wt [k, n], y [m, n],
//
// with one fused multiply-add per product in k order. The loader is what makes a convolution an implicit
// GEMM: it gathers A's entries from the input where they are needed (a row of A is an output position, a
// column one tap of one input channel), so no im2col matrix is ever stored.
//
// Blocks of 256 threads compute 64x64 tiles of y, staging 16-wide slices of k of A and wt in shared memory;
// thread (ty, tx) owns the 4x4 outputs at rows ty + 16i and columns tx + 16j, so that a warp's loads and
// stores of a row are contiguous. Rows and columns past m, n and the k-tail are staged as zeros (exact).
#pragma once

#include "activation.cuh"
#include "common.cuh"

#define LIN_BM 64
#define LIN_BN 64
#define LIN_BK 16
#define LIN_THREADS 256

// Loader is a device functor: float operator()(i64 r, i64 k) returns A[r, k] for r < m, k < k.
template <class Loader>
__device__ __forceinline__ void tile_gemm_f32(float* y, const Loader& a, const float* wt, const float* bias, i64 m, i64 n,
	i64 k, int act) {
	__shared__ float xs[LIN_BK][LIN_BM + 1]; // transposed: xs[kk][row], padded against bank conflicts
	__shared__ float ws[LIN_BK][LIN_BN];
	const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
	const i64 row0 = (i64)blockIdx.y * LIN_BM, col0 = (i64)blockIdx.x * LIN_BN;
	float acc[4][4];
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
	for (i64 k0 = 0; k0 < k; k0 += LIN_BK) {
		for (int l = threadIdx.x; l < LIN_BM * LIN_BK; l += LIN_THREADS) {
			const int r = l / LIN_BK, kk = l % LIN_BK;
			const i64 gr = row0 + r, gk = k0 + kk;
			xs[kk][r] = (gr < m && gk < k) ? a(gr, gk) : 0.0f;
		}
		for (int l = threadIdx.x; l < LIN_BK * LIN_BN; l += LIN_THREADS) {
			const int kk = l / LIN_BN, c = l % LIN_BN;
			const i64 gk = k0 + kk, gc = col0 + c;
			ws[kk][c] = (gk < k && gc < n) ? wt[gk * n + gc] : 0.0f;
		}
		__syncthreads();
		for (int kk = 0; kk < LIN_BK; kk++) {
			float av[4], bv[4];
			for (int i = 0; i < 4; i++) av[i] = xs[kk][ty + 16 * i];
			for (int j = 0; j < 4; j++) bv[j] = ws[kk][tx + 16 * j];
			for (int i = 0; i < 4; i++)
				for (int j = 0; j < 4; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
		}
		__syncthreads(); // every thread is done with this slice before the next one overwrites it
	}
	for (int i = 0; i < 4; i++) {
		const i64 r = row0 + ty + 16 * i;
		if (r >= m) continue;
		for (int j = 0; j < 4; j++) {
			const i64 c = col0 + tx + 16 * j;
			if (c < n) y[r * n + c] = act_f32(act, acc[i][j] + bias[c]);
		}
	}
}
