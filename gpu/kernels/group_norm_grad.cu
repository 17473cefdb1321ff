// group_norm_act_grad_f32: the backward pass to the input of group_norm_act_f32's y = act(GN(x) gamma +
// beta) over channels-last x [B, S, C] in G groups (the value U-Net's Conv1d-GroupNorm-Mish blocks). With
// the group's n = S C/G values, xhat = (x - mean) rstd, z = gamma xhat + beta and
//
//	gh = gy act'(z) gamma,   gx = rstd (gh - mean(gh) - xhat mean(gh xhat))
//
// (the normalisation's Jacobian: mean and variance depend on every x of the group). One block per (group,
// example), as the forward kernel: the statistics are recomputed from x in double in the forward's order
// (two passes), then the two means of gh, then gx. gx may be gy (every read of gy precedes the writes).
#include "act_grad.cuh"
#include "common.cuh"

#define GNG_THREADS 256

// gng_block_sum adds v over the block; every thread gets the sum. sh holds GNG_THREADS/32 doubles.
__device__ __forceinline__ double gng_block_sum(double v, double* sh) {
	v = warp_sum_d(v);
	if (threadIdx.x % 32 == 0) sh[threadIdx.x / 32] = v;
	__syncthreads();
	double s = 0;
	for (int w = 0; w < GNG_THREADS / 32; w++) s += sh[w];
	__syncthreads(); // every thread has read sh before it is written again
	return s;
}

extern "C" __global__ void __launch_bounds__(GNG_THREADS) group_norm_act_grad_f32(float* gx, const float* gy, const float* x,
	const float* gamma, const float* beta, i64 S, i64 C, i64 G, double eps, i64 act) {
	__shared__ double sh[GNG_THREADS / 32];
	const i64 g = blockIdx.x, b = blockIdx.y, cg = C / G, n = S * cg;
	const i64 base = b * S * C + g * cg;
	double s = 0;
	for (i64 i = threadIdx.x; i < n; i += GNG_THREADS) s += (double)x[base + (i / cg) * C + i % cg];
	const double mean = gng_block_sum(s, sh) / (double)n;
	s = 0;
	for (i64 i = threadIdx.x; i < n; i += GNG_THREADS) {
		const double d = (double)x[base + (i / cg) * C + i % cg] - mean;
		s += d * d;
	}
	const double rstd = 1.0 / sqrt(gng_block_sum(s, sh) / (double)n + eps);
	double s1 = 0, s2 = 0;
	for (i64 i = threadIdx.x; i < n; i += GNG_THREADS) {
		const i64 o = base + (i / cg) * C + i % cg, c = g * cg + i % cg;
		const double xhat = ((double)x[o] - mean) * rstd;
		const double gh = (double)gy[o] * act_derivative((int)act, (double)gamma[c] * xhat + (double)beta[c]) * (double)gamma[c];
		s1 += gh;
		s2 += gh * xhat;
	}
	const double m1 = gng_block_sum(s1, sh) / (double)n, m2 = gng_block_sum(s2, sh) / (double)n;
	for (i64 i = threadIdx.x; i < n; i += GNG_THREADS) {
		const i64 o = base + (i / cg) * C + i % cg, c = g * cg + i % cg;
		const double xhat = ((double)x[o] - mean) * rstd;
		const double gh = (double)gy[o] * act_derivative((int)act, (double)gamma[c] * xhat + (double)beta[c]) * (double)gamma[c];
		gx[o] = (float)(rstd * (gh - m1 - xhat * m2));
	}
}
