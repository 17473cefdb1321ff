// tile_gemm_tf32: tile_gemm_f32's implicit GEMM with the product on the tensor cores,
//
//	y[r, c] = act(bias[c] + sum_k tf32(A(r, k)) tf32(wt[k, c]))      A [m, k] read through a loader, wt [k, n],
//
// where tf32(v) rounds v to a 10-bit mantissa (round to nearest, ties away from zero: cvt.rna.tf32.f32, the
// rounding GemmTF32 applies). The loader and the fused bias-and-activation epilogue are tile_gemm_f32's, so
// a convolution stays an implicit GEMM (no im2col matrix in global memory) on either path. A product of two
// TF32 values has at most 22 significant bits, so every product is exact in float32; only the float32
// accumulation rounds, in the order the tensor cores choose.
//
// Blocks of 256 threads (8 warps) compute 64x64 tiles of y: the warps form a 4 x 2 grid of 16 x 32 warp
// tiles, two m16n16k8 accumulators each. Each 16-wide slice of k is staged in shared memory already rounded
// to TF32 (A row-major [64][16], wt row-major [16][64], rows padded by 16 bytes against bank conflicts, so
// every wmma pointer stays 256-bit aligned and every leading dimension a multiple of 16 bytes); elements past
// m, n and the k-tail are staged as zeros, which add nothing. The accumulators go through shared memory to
// the epilogue, which writes y with bounds checks, coalesced along rows.
#pragma once

#include <mma.h>

#include "activation.cuh"
#include "common.cuh"

#define TC_BM 64
#define TC_BN 64
#define TC_BK 16
#define TC_THREADS 256
#define TC_LDA (TC_BK + 4)
#define TC_LDB (TC_BN + 4)
#define TC_LDC (TC_BN + 4)

// Loader is tile_gemm_f32's device functor: float operator()(i64 r, i64 k) returns A[r, k] for r < m, k < k.
template <class Loader>
__device__ __forceinline__ void tile_gemm_tf32(float* y, const Loader& a, const float* wt, const float* bias, i64 m, i64 n,
	i64 k, int act) {
	namespace wmma = nvcuda::wmma;
	__shared__ __align__(32) float as[TC_BM * TC_LDA];
	__shared__ __align__(32) float ws[TC_BK * TC_LDB];
	__shared__ __align__(32) float cs[TC_BM * TC_LDC];
	const int warp = threadIdx.x / 32;
	const int wm = warp / 2, wn = warp % 2; // warp tile rows 16 wm .., columns 32 wn ..
	const i64 row0 = (i64)blockIdx.y * TC_BM, col0 = (i64)blockIdx.x * TC_BN;
	wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2];
	wmma::fill_fragment(acc[0], 0.0f);
	wmma::fill_fragment(acc[1], 0.0f);
	for (i64 k0 = 0; k0 < k; k0 += TC_BK) {
		for (int l = threadIdx.x; l < TC_BM * TC_BK; l += TC_THREADS) {
			const int r = l / TC_BK, kk = l % TC_BK;
			const i64 gr = row0 + r, gk = k0 + kk;
			as[r * TC_LDA + kk] = (gr < m && gk < k) ? wmma::__float_to_tf32(a(gr, gk)) : 0.0f;
		}
		for (int l = threadIdx.x; l < TC_BK * TC_BN; l += TC_THREADS) {
			const int kk = l / TC_BN, c = l % TC_BN;
			const i64 gk = k0 + kk, gc = col0 + c;
			ws[kk * TC_LDB + c] = (gk < k && gc < n) ? wmma::__float_to_tf32(wt[gk * n + gc]) : 0.0f;
		}
		__syncthreads();
		for (int kk = 0; kk < TC_BK; kk += 8) {
			wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fa;
			wmma::load_matrix_sync(fa, as + (wm * 16) * TC_LDA + kk, TC_LDA);
			for (int j = 0; j < 2; j++) {
				wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb;
				wmma::load_matrix_sync(fb, ws + kk * TC_LDB + wn * 32 + j * 16, TC_LDB);
				wmma::mma_sync(acc[j], fa, fb, acc[j]);
			}
		}
		__syncthreads(); // every warp is done with this slice before the next one overwrites it
	}
	for (int j = 0; j < 2; j++)
		wmma::store_matrix_sync(cs + (wm * 16) * TC_LDC + wn * 32 + j * 16, acc[j], TC_LDC, wmma::mem_row_major);
	__syncthreads();
	for (int l = threadIdx.x; l < TC_BM * TC_BN; l += TC_THREADS) {
		const int r = l / TC_BN, c = l % TC_BN;
		const i64 gr = row0 + r, gc = col0 + c;
		if (gr < m && gc < n) y[gr * n + gc] = act_f32(act, cs[r * TC_LDC + c] + bias[gc]);
	}
}
