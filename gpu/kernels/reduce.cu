// Reductions. Deterministic: a fixed grid writes per-block partials, one block combines them in a fixed
// order, so the same input gives the same bits on every run.
#include "common.cuh"

#define STATS_THREADS 256
#define STATS_FIELDS 4 // sum, sum of squares, max |x|, count of non-finite values

// block_stats combines the four per-thread fields of a block (sum, sum of squares, max, non-finite count) in
// a fixed order (within each warp, then thread 0 over the warps) and has thread 0 write them to out[0..3].
__device__ __forceinline__ void block_stats(double s, double q, double m, double bad, double* out) {
	s = warp_sum_d(s);
	q = warp_sum_d(q);
	m = warp_max_d(m);
	bad = warp_sum_d(bad);
	__shared__ double sh[STATS_FIELDS][STATS_THREADS / 32];
	const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
	if (lane == 0) {
		sh[0][w] = s;
		sh[1][w] = q;
		sh[2][w] = m;
		sh[3][w] = bad;
	}
	__syncthreads();
	if (threadIdx.x == 0) {
		double a = 0, b = 0, c = 0, e = 0;
		for (int k = 0; k < nw; k++) {
			a += sh[0][k];
			b += sh[1][k];
			c = fmax(c, sh[2][k]);
			e += sh[3][k];
		}
		out[0] = a;
		out[1] = b;
		out[2] = c;
		out[3] = e;
	}
}

// stats_partial: block b writes part[4b .. 4b+3] for the elements it visits (grid-stride). Sums are in double;
// non-finite elements are counted and left out of the other three.
extern "C" __global__ void stats_partial(const float* x, i64 n, double* part) {
	double s = 0, q = 0, m = 0, bad = 0;
	GRID_STRIDE(i, n) {
		float v = x[i];
		if (is_finite_f(v)) {
			double d = v;
			s += d;
			q = fma(d, d, q);
			m = fmax(m, fabs(d));
		} else {
			bad += 1;
		}
	}
	block_stats(s, q, m, bad, part + (i64)STATS_FIELDS * blockIdx.x);
}

// stats_final: one block of STATS_THREADS combines nblocks partials into out[0..3].
extern "C" __global__ void stats_final(const double* part, i64 nblocks, double* out) {
	double s = 0, q = 0, m = 0, bad = 0;
	for (i64 b = threadIdx.x; b < nblocks; b += blockDim.x) {
		const double* p = part + (i64)STATS_FIELDS * b;
		s += p[0];
		q += p[1];
		m = fmax(m, p[2]);
		bad += p[3];
	}
	block_stats(s, q, m, bad, out);
}

// count_nonfinite adds the number of NaN/Inf elements of x to *counter. The executor runs it on every
// denoiser output with one counter per evaluation, reads the counters once at the end of a run and reports the
// first evaluation that went non-finite, without synchronising in between (so it can be graph-captured).
extern "C" __global__ void count_nonfinite(const float* x, i64 n, u64* counter) {
	u64 bad = 0;
	GRID_STRIDE(i, n) bad += is_finite_f(x[i]) ? 0 : 1;
	bad = warp_sum_u(bad);
	if ((threadIdx.x & 31) == 0 && bad) atomicAdd(counter, bad);
}
