// tile_gemm_bf16: tile_gemm_f32's implicit GEMM with the product on the tensor cores in bfloat16,
//
//	y[r, c] = act(bias[c] + sum_k bf16(A(r, k)) bf16(wt[k, c]))      A [m, k] read through a loader, wt [k, n],
//
// where bf16(v) rounds v to an 8-bit significand (7 stored bits) to nearest, ties to even
// (__float2bfloat16_rn, the rounding of f32_to_bf16 and ToBF16). It is tile_gemm_tf32 (tile_tf32.cuh) with
// BF16 operands: the same loaders, so a convolution stays an implicit GEMM, and the same fused
// bias-and-activation epilogue. A product of two BF16 values has at most 16 significant bits, so every
// product is exact in float32; only the float32 accumulation rounds. The price is the operand rounding,
// relative 2^-9 against TF32's 2^-11 (gpu/doc.go, BF16 convolutions).
//
// Blocks of 256 threads (8 warps) compute 64x64 tiles of y: a 4 x 2 grid of 16 x 32 warp tiles, two
// m16n16k16 accumulators each. Each 32-wide slice of k is staged in shared memory as __nv_bfloat16, rounded
// as it is stored (A row-major [64][32], wt row-major [32][64], rows padded by 16 bytes against bank
// conflicts, so every wmma pointer stays 256-bit aligned and every leading dimension a multiple of 16
// bytes); elements past m, n and the k-tail are staged as zeros, which add nothing. The accumulators go
// through shared memory (float) to the epilogue, which writes y with bounds checks, coalesced along rows.
#pragma once

#include <cuda_bf16.h>
#include <mma.h>

#include "activation.cuh"
#include "common.cuh"

#define BF_BM 64
#define BF_BN 64
#define BF_BK 32
#define BF_THREADS 256
#define BF_LDA (BF_BK + 8)
#define BF_LDB (BF_BN + 8)
#define BF_LDC (BF_BN + 4)

// Loader is tile_gemm_f32's device functor: float operator()(i64 r, i64 k) returns A[r, k] for r < m, k < k.
template <class Loader>
__device__ __forceinline__ void tile_gemm_bf16(float* y, const Loader& a, const float* wt, const float* bias, i64 m, i64 n,
	i64 k, int act) {
	namespace wmma = nvcuda::wmma;
	__shared__ __align__(32) __nv_bfloat16 as[BF_BM * BF_LDA];
	__shared__ __align__(32) __nv_bfloat16 ws[BF_BK * BF_LDB];
	__shared__ __align__(32) float cs[BF_BM * BF_LDC];
	const int warp = threadIdx.x / 32;
	const int wm = warp / 2, wn = warp % 2; // warp tile rows 16 wm .., columns 32 wn ..
	const i64 row0 = (i64)blockIdx.y * BF_BM, col0 = (i64)blockIdx.x * BF_BN;
	wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2];
	wmma::fill_fragment(acc[0], 0.0f);
	wmma::fill_fragment(acc[1], 0.0f);
	for (i64 k0 = 0; k0 < k; k0 += BF_BK) {
		for (int l = threadIdx.x; l < BF_BM * BF_BK; l += BF_THREADS) {
			const int r = l / BF_BK, kk = l % BF_BK;
			const i64 gr = row0 + r, gk = k0 + kk;
			as[r * BF_LDA + kk] = __float2bfloat16_rn((gr < m && gk < k) ? a(gr, gk) : 0.0f);
		}
		for (int l = threadIdx.x; l < BF_BK * BF_BN; l += BF_THREADS) {
			const int kk = l / BF_BN, c = l % BF_BN;
			const i64 gk = k0 + kk, gc = col0 + c;
			ws[kk * BF_LDB + c] = __float2bfloat16_rn((gk < k && gc < n) ? wt[gk * n + gc] : 0.0f);
		}
		__syncthreads();
		for (int kk = 0; kk < BF_BK; kk += 16) {
			wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> fa;
			wmma::load_matrix_sync(fa, as + (wm * 16) * BF_LDA + kk, BF_LDA);
			for (int j = 0; j < 2; j++) {
				wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::row_major> fb;
				wmma::load_matrix_sync(fb, ws + kk * BF_LDB + wn * 32 + j * 16, BF_LDB);
				wmma::mma_sync(acc[j], fa, fb, acc[j]);
			}
		}
		__syncthreads(); // every warp is done with this slice before the next one overwrites it
	}
	for (int j = 0; j < 2; j++)
		wmma::store_matrix_sync(cs + (wm * 16) * BF_LDC + wn * 32 + j * 16, acc[j], BF_LDC, wmma::mem_row_major);
	__syncthreads();
	for (int l = threadIdx.x; l < BF_BM * BF_BN; l += BF_THREADS) {
		const int r = l / BF_BN, c = l % BF_BN;
		const i64 gr = row0 + r, gc = col0 + c;
		if (gr < m && gc < n) y[gr * n + gc] = act_f32(act, cs[r * BF_LDC + c] + bias[gc]);
	}
}
