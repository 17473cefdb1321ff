// mma.h for the CPU emulator: the warp matrix (wmma) API of nvcuda::wmma as far as gemm.cu and tile_tf32.cuh use
// it: row-major A and B fragments of TF32 (m16n16k8) and BF16 (m16n16k16), float accumulators,
// load/store/fill/mma.
//
// A fragment's layout across the lanes is unspecified by CUDA, and the kernels only touch fragment elements
// one by one (x[t], num_elements), so the emulator picks its own: every lane holds all of an A or B tile, and
// the M x N accumulator is split into 32 row-major runs of M*N/32 elements, lane l owning run l. mma_sync then
// costs each lane only its own outputs. load/store_matrix_sync enforce CUDA's rules: a 256-bit aligned
// pointer and a leading dimension that is a multiple of 16 bytes.
#pragma once
#include "cuda_bf16.h"
#include "cuda_emu.h"

namespace nvcuda {
namespace wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };
namespace precision {
struct tf32 {};
} // namespace precision

template <typename T> struct storage {
	typedef T type;
};
template <> struct storage<precision::tf32> {
	typedef float type;
};

template <typename Use, int M, int N, int K> struct shape;
template <int M, int N, int K> struct shape<matrix_a, M, N, K> {
	static constexpr int rows = M, cols = K, elements = M * K;
};
template <int M, int N, int K> struct shape<matrix_b, M, N, K> {
	static constexpr int rows = K, cols = N, elements = K * N;
};
template <int M, int N, int K> struct shape<accumulator, M, N, K> {
	static constexpr int rows = M, cols = N, elements = M * N / 32;
};

template <typename Use, int M, int N, int K, typename T, typename Layout = void> struct fragment {
	typedef shape<Use, M, N, K> sh;
	typedef typename storage<T>::type element_type;
	static constexpr int num_elements = sh::elements;
	element_type x[sh::elements];
};

__forceinline__ float to_float(float v) { return v; }
__forceinline__ float to_float(__nv_bfloat16 v) { return (float)v; }

template <typename T> __forceinline__ void check_pointer(const T* p, unsigned ldm, const char* what) {
	if (((uintptr_t)p & 31) != 0) cudaemu::fault(716, what); // CUDA_ERROR_MISALIGNED_ADDRESS
	if ((ldm * sizeof(T)) % 16 != 0) cudaemu::fault(716, what);
}

// round-to-nearest, ties away from zero, to 10 mantissa bits (cvt.rna.tf32.f32); NaN and Inf unchanged.
__forceinline__ float __float_to_tf32(float f) {
	uint32_t u = __float_as_uint(f);
	if ((u & 0x7f800000u) == 0x7f800000u) return f;
	return __uint_as_float((u + 0x1000u) & 0xffffe000u);
}

template <typename Use, int M, int N, int K, typename T, typename S>
__forceinline__ void load_matrix_sync(fragment<Use, M, N, K, T, row_major>& f, const S* p, unsigned ldm) {
	check_pointer(p, ldm, "wmma::load_matrix_sync: pointer not 256-bit aligned or ldm not a multiple of 16 bytes");
	typedef shape<Use, M, N, K> sh;
	for (int r = 0; r < sh::rows; r++)
		for (int c = 0; c < sh::cols; c++) f.x[r * sh::cols + c] = p[(long long)r * ldm + c];
}

template <int M, int N, int K, typename T>
__forceinline__ void fill_fragment(fragment<accumulator, M, N, K, T>& f, float v) {
	for (int i = 0; i < f.num_elements; i++) f.x[i] = v;
}

template <int M, int N, int K, typename TA, typename TC>
__forceinline__ void mma_sync(fragment<accumulator, M, N, K, TC>& d, const fragment<matrix_a, M, N, K, TA, row_major>& a,
	const fragment<matrix_b, M, N, K, TA, row_major>& b, const fragment<accumulator, M, N, K, TC>& c) {
	const int per = M * N / 32, first = cudaemu::lane_id * per;
	float out[M * N / 32];
	for (int e = 0; e < per; e++) {
		const int r = (first + e) / N, col = (first + e) % N;
		float acc = c.x[e];
		for (int k = 0; k < K; k++) acc = fmaf(to_float(a.x[r * K + k]), to_float(b.x[k * N + col]), acc);
		out[e] = acc;
	}
	for (int e = 0; e < per; e++) d.x[e] = out[e];
}

template <int M, int N, int K, typename T>
__forceinline__ void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, T>& f, unsigned ldm, layout_t layout) {
	check_pointer(p, ldm, "wmma::store_matrix_sync: pointer not 256-bit aligned or ldm not a multiple of 16 bytes");
	if (layout != mem_row_major) cudaemu::fault(1, "wmma::store_matrix_sync: only mem_row_major is emulated");
	const int per = M * N / 32, first = cudaemu::lane_id * per;
	for (int e = 0; e < per; e++) {
		const int r = (first + e) / N, col = (first + e) % N;
		p[(long long)r * ldm + col] = f.x[e];
	}
}

} // namespace wmma
} // namespace nvcuda
