// cuda_emu.h: the CUDA C++ language surface that trajdiff's kernels (gpu/kernels/*.cu) use, for compiling
// them with a host C++ compiler and running them in the CPU emulator (gpu/cudaemu/README.md). It is
// force-included before each kernel source, so the sources compile unchanged apart from the inline PTX of
// cp.async, which gemm.cu keeps behind #ifndef TRAJDIFF_CUDA_EMU and which this header provides instead.
//
// Execution model (runtime.cc): the blocks of a grid run one after another; the threads of a block are fibers
// on one OS thread, switched only at barriers (__syncthreads, __syncwarp, warp shuffles), always in thread
// order. Shared memory is therefore plain static storage, atomics are plain read-modify-writes, and a run is
// deterministic. What the hardware leaves unordered (a read of shared memory another thread writes without a
// barrier in between, a cp.async copy read before its group was waited for) gets one fixed, adversarial
// order here: copies land at the latest moment the program allows (or at once, CUDAEMU_CP_ASYNC=eager).
#pragma once

#define TRAJDIFF_CUDA_EMU 1

#include <math.h>
#include <stdint.h>
#include <string.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)

struct emu_dim3 {
	unsigned x, y, z;
};

namespace cudaemu {

// The running thread's position, set by the scheduler before it resumes a fiber.
extern emu_dim3 thread_idx, block_idx, block_dim, grid_dim;
extern int lane_id;

// Suspends the calling thread until every thread of the block (block) or every lane of its warp (warp) has
// arrived.
void barrier_block();
void barrier_warp();
// Exchanges 8-byte values within the warp: every lane publishes v and gets lane (lane ^ mask)'s value.
uint64_t shfl_xor_bits(uint64_t v, int mask);
// Stops the launch with an error the driver API reports (CUDA_ERROR_MISALIGNED_ADDRESS and the like).
[[noreturn]] void fault(int code, const char* what);
// cp.async: a copy of `bytes` bytes of which the first src_bytes come from gmem and the rest are zero,
// queued on the calling thread until its group completes.
void async_copy(void* smem, const void* gmem, int bytes, int src_bytes);
void async_commit();
void async_wait(int pending);
// The block's dynamic shared memory: the launch's size, followed by an inaccessible page.
unsigned char* dynamic_smem();

} // namespace cudaemu

#define DYNAMIC_SMEM(type, name) type* name = reinterpret_cast<type*>(cudaemu::dynamic_smem())

#define threadIdx (cudaemu::thread_idx)
#define blockIdx (cudaemu::block_idx)
#define blockDim (cudaemu::block_dim)
#define gridDim (cudaemu::grid_dim)

__forceinline__ void __syncthreads() { cudaemu::barrier_block(); }
__forceinline__ void __syncwarp(unsigned = 0xffffffffu) { cudaemu::barrier_warp(); }

template <typename T> __forceinline__ T __shfl_xor_sync(unsigned mask, T v, int lane_mask) {
	static_assert(sizeof(T) <= 8, "shuffle of more than 8 bytes");
	if (mask != 0xffffffffu) cudaemu::fault(1, "__shfl_xor_sync with a partial mask is not emulated");
	uint64_t b = 0;
	memcpy(&b, &v, sizeof(T));
	b = cudaemu::shfl_xor_bits(b, lane_mask);
	T out;
	memcpy(&out, &b, sizeof(T));
	return out;
}

__forceinline__ unsigned __float_as_uint(float x) {
	unsigned u;
	memcpy(&u, &x, 4);
	return u;
}
__forceinline__ float __uint_as_float(unsigned u) {
	float x;
	memcpy(&x, &u, 4);
	return x;
}
__forceinline__ uint32_t __umulhi(uint32_t a, uint32_t b) { return (uint32_t)(((uint64_t)a * b) >> 32); }
template <typename T> __forceinline__ T __ldg(const T* p) { return *p; }

// Blocks run one at a time and their threads never interleave between barriers: an atomic is a plain update.
__forceinline__ unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) {
	unsigned long long old = *p;
	*p = old + v;
	return old;
}

struct uint4 {
	unsigned x, y, z, w;
};
__forceinline__ uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return uint4{x, y, z, w}; }
struct __attribute__((aligned(16))) float4 {
	float x, y, z, w;
};
__forceinline__ float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

// The inline-PTX helpers of gemm.cu (cp.async.{ca,cg}.shared.global, commit_group, wait_group N).
__forceinline__ void cp_async(void* smem, const void* gmem, int bytes, int src_bytes) {
	cudaemu::async_copy(smem, gmem, bytes, src_bytes);
}
__forceinline__ void cp_async_commit() { cudaemu::async_commit(); }
template <int N> __forceinline__ void cp_async_wait() { cudaemu::async_wait(N); }
