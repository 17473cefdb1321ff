// Tiled matrix product on the tensor cores, C = alpha A B + beta C, row-major with leading dimensions
// lda/ldb/ldc, float32 accumulation (NVIDIA Ampere/Hopper tensor cores through the wmma API: TF32 inputs
// m16n16k8, BF16 inputs m16n16k16). The later network kernels use it.
//
// Tiling (the Go emulation in gpu/gemm_tiling.go mirrors every index below, and a test checks the constants):
// a block of GEMM_THREADS threads computes a GEMM_BM x GEMM_BN tile of C; its 8 warps form a
// GEMM_WARPS_M x GEMM_WARPS_N grid of GEMM_WM x GEMM_WN warp tiles, each (GEMM_WM/16) x (GEMM_WN/16) wmma
// accumulators. The K dimension advances GEMM_BK at a time through a GEMM_STAGES-deep ring of shared-memory
// tiles filled by cp.async (16-byte copies; 4-byte copies for TF32 shapes that are not multiples of 4), with
// zero-fill outside the matrices, so any M, N, K works. Rows of the shared tiles are padded by 16 bytes against
// bank conflicts. The epilogue stages each warp's accumulators in shared memory and writes C with bounds
// checks, coalesced along rows.
#include "common.cuh"
#include <cuda_bf16.h>
#include <mma.h>

#define GEMM_BM 128
#define GEMM_BN 128
#define GEMM_BK 32
#define GEMM_STAGES 3
#define GEMM_THREADS 256
#define GEMM_WARPS_M 2
#define GEMM_WARPS_N 4
#define GEMM_WM (GEMM_BM / GEMM_WARPS_M)
#define GEMM_WN (GEMM_BN / GEMM_WARPS_N)
#define GEMM_FM (GEMM_WM / 16)
#define GEMM_FN (GEMM_WN / 16)
#define GEMM_PAD_BYTES 16

using namespace nvcuda;

template <typename T> struct gemm_traits;
template <> struct gemm_traits<float> {
	static constexpr int FK = 8; // wmma k of TF32
	typedef wmma::precision::tf32 frag_t;
};
template <> struct gemm_traits<__nv_bfloat16> {
	static constexpr int FK = 16;
	typedef __nv_bfloat16 frag_t;
};

#ifndef TRAJDIFF_CUDA_EMU // the CPU emulator (gpu/cudaemu) provides these three
__device__ __forceinline__ void cp_async(void* smem, const void* gmem, int bytes, int src_bytes) {
	const unsigned s = (unsigned)__cvta_generic_to_shared(smem);
	if (bytes == 16)
		asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(src_bytes));
	else
		asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(s), "l"(gmem), "r"(src_bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }
#endif

// gemm_load_tile copies k-tile k0 of A (rows bm0..) and B (columns bn0..) into one pipeline stage, E elements
// per copy. Elements outside the matrices are zero-filled (a copy of 0 source bytes).
template <typename T, int E>
__device__ __forceinline__ void gemm_load_tile(T* As, T* Bs, const T* A, const T* B, i64 M, i64 N, i64 K,
	i64 lda, i64 ldb, i64 bm0, i64 bn0, i64 k0) {
	constexpr int PAD = GEMM_PAD_BYTES / sizeof(T);
	constexpr int LDA = GEMM_BK + PAD, LDB = GEMM_BN + PAD;
	constexpr int CA = GEMM_BK / E, CB = GEMM_BN / E;
#pragma unroll 4
	for (int c = threadIdx.x; c < GEMM_BM * CA; c += GEMM_THREADS) {
		const int r = c / CA, col = (c % CA) * E;
		const i64 gr = bm0 + r, gc = k0 + col;
		const bool ok = gr < M && gc < K;
		cp_async(As + r * LDA + col, ok ? A + gr * lda + gc : A, E * (int)sizeof(T), ok ? E * (int)sizeof(T) : 0);
	}
#pragma unroll 4
	for (int c = threadIdx.x; c < GEMM_BK * CB; c += GEMM_THREADS) {
		const int r = c / CB, col = (c % CB) * E;
		const i64 gr = k0 + r, gc = bn0 + col;
		const bool ok = gr < K && gc < N;
		cp_async(Bs + r * LDB + col, ok ? B + gr * ldb + gc : B, E * (int)sizeof(T), ok ? E * (int)sizeof(T) : 0);
	}
}

template <typename T, int E>
__device__ __forceinline__ void gemm_body(const T* A, const T* B, float* C, i64 M, i64 N, i64 K, i64 lda,
	i64 ldb, i64 ldc, double alpha, double beta) {
	typedef gemm_traits<T> tr;
	constexpr int PAD = GEMM_PAD_BYTES / sizeof(T);
	constexpr int LDA = GEMM_BK + PAD, LDB = GEMM_BN + PAD;
	constexpr int SA = GEMM_BM * LDA, SB = GEMM_BK * LDB; // elements per stage
	DYNAMIC_SMEM(unsigned char, gemm_smem);
	T* As = reinterpret_cast<T*>(gemm_smem);
	T* Bs = As + GEMM_STAGES * SA;

	const i64 bm0 = (i64)blockIdx.y * GEMM_BM, bn0 = (i64)blockIdx.x * GEMM_BN;
	const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
	const int wm = warp / GEMM_WARPS_N, wn = warp % GEMM_WARPS_N;

	wmma::fragment<wmma::accumulator, 16, 16, tr::FK, float> acc[GEMM_FM][GEMM_FN];
#pragma unroll
	for (int i = 0; i < GEMM_FM; i++)
#pragma unroll
		for (int j = 0; j < GEMM_FN; j++) wmma::fill_fragment(acc[i][j], 0.f);

	const i64 ktiles = (K + GEMM_BK - 1) / GEMM_BK;
	// Prologue: tiles 0 .. STAGES-2 in flight (a commit per slot even when empty keeps the group count right).
#pragma unroll
	for (int s = 0; s < GEMM_STAGES - 1; s++) {
		if (s < ktiles) gemm_load_tile<T, E>(As + s * SA, Bs + s * SB, A, B, M, N, K, lda, ldb, bm0, bn0, (i64)s * GEMM_BK);
		cp_async_commit();
	}
	for (i64 kt = 0; kt < ktiles; kt++) {
		cp_async_wait<GEMM_STAGES - 2>(); // tile kt has landed
		__syncthreads();                  // ... for every thread, and stage (kt-1) % STAGES is no longer read
		const i64 nt = kt + GEMM_STAGES - 1;
		if (nt < ktiles) {
			const int ns = (int)(nt % GEMM_STAGES);
			gemm_load_tile<T, E>(As + ns * SA, Bs + ns * SB, A, B, M, N, K, lda, ldb, bm0, bn0, nt * GEMM_BK);
		}
		cp_async_commit();
		const int cs = (int)(kt % GEMM_STAGES);
		const T* as = As + cs * SA;
		const T* bs = Bs + cs * SB;
#pragma unroll
		for (int kk = 0; kk < GEMM_BK; kk += tr::FK) {
			wmma::fragment<wmma::matrix_a, 16, 16, tr::FK, typename tr::frag_t, wmma::row_major> a[GEMM_FM];
			wmma::fragment<wmma::matrix_b, 16, 16, tr::FK, typename tr::frag_t, wmma::row_major> b[GEMM_FN];
#pragma unroll
			for (int i = 0; i < GEMM_FM; i++) {
				wmma::load_matrix_sync(a[i], as + (wm * GEMM_WM + i * 16) * LDA + kk, LDA);
				if (sizeof(T) == 4)
#pragma unroll
					for (int t = 0; t < a[i].num_elements; t++) a[i].x[t] = wmma::__float_to_tf32(a[i].x[t]);
			}
#pragma unroll
			for (int j = 0; j < GEMM_FN; j++) {
				wmma::load_matrix_sync(b[j], bs + kk * LDB + wn * GEMM_WN + j * 16, LDB);
				if (sizeof(T) == 4)
#pragma unroll
					for (int t = 0; t < b[j].num_elements; t++) b[j].x[t] = wmma::__float_to_tf32(b[j].x[t]);
			}
#pragma unroll
			for (int i = 0; i < GEMM_FM; i++)
#pragma unroll
				for (int j = 0; j < GEMM_FN; j++) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
		}
	}
	cp_async_wait<0>();
	__syncthreads(); // the pipeline's shared memory becomes the epilogue's staging area

	float* stg = reinterpret_cast<float*>(gemm_smem) + warp * (GEMM_WM * GEMM_WN);
#pragma unroll
	for (int i = 0; i < GEMM_FM; i++)
#pragma unroll
		for (int j = 0; j < GEMM_FN; j++)
			wmma::store_matrix_sync(stg + (i * 16) * GEMM_WN + j * 16, acc[i][j], GEMM_WN, wmma::mem_row_major);
	__syncwarp();
	const float fa = (float)alpha, fb = (float)beta;
	for (int e = lane; e < GEMM_WM * GEMM_WN; e += 32) {
		const int r = e / GEMM_WN, c = e % GEMM_WN;
		const i64 gr = bm0 + wm * GEMM_WM + r, gc = bn0 + wn * GEMM_WN + c;
		if (gr < M && gc < N) {
			float* p = C + gr * ldc + gc;
			*p = beta == 0 ? fa * stg[e] : fmaf(fa, stg[e], fb * *p);
		}
	}
}

#define GEMM_ARGS(T) const T *A, const T *B, float *C, i64 M, i64 N, i64 K, i64 lda, i64 ldb, i64 ldc, double alpha, double beta
extern "C" __global__ void __launch_bounds__(GEMM_THREADS) gemm_tf32_v4(GEMM_ARGS(float)) {
	gemm_body<float, 4>(A, B, C, M, N, K, lda, ldb, ldc, alpha, beta);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS) gemm_tf32_v1(GEMM_ARGS(float)) {
	gemm_body<float, 1>(A, B, C, M, N, K, lda, ldb, ldc, alpha, beta);
}
extern "C" __global__ void __launch_bounds__(GEMM_THREADS) gemm_bf16_v8(GEMM_ARGS(__nv_bfloat16)) {
	gemm_body<__nv_bfloat16, 8>(A, B, C, M, N, K, lda, ldb, ldc, alpha, beta);
}
