// The exact denoiser of a Gaussian mixture p(x0) = sum_k w_k N(mu_k, Q_k diag(l_k) Q_k^T) under an affine
// process x_t = alpha x0 + sigma eps (diffusion.GaussianMixture, diffusion/mixture.go):
//
//     D(x) = sum_k pi_k(x) [mu_k + Q_k diag(alpha l_k / v_k) Q_k^T (x - alpha mu_k)],  v_k = alpha^2 l_k + sigma^2
//     pi_k(x) = softmax_k(log w_k - 1/2 sum_j log v_kj - 1/2 sum_j y_kj^2 / v_kj),   y_k = Q_k^T (x - alpha mu_k)
//
// (Karras et al. 2024, EDM2's toy example, builds the same closed form to test samplers.) One block handles
// `pt` points (rows of d values); for each component it forms the centred rows, projects them on the
// eigenbasis (y = xc Q), shrinks, maps back (c = y Q^T) and folds the result into an online log-sum-exp, so no
// K x n x d intermediate is stored. All arithmetic is double, with a register tile of MIX_PP points per thread
// in the projections: in float32 the quadratic forms' rounding (about 1e-7 of a logit of order d) moves the
// posterior weights of points between components by 1e-5, which the sampler's flow then amplifies; in double the
// only float32 rounding left is that of the state the kernel reads and of the prediction it writes.
#include "common.cuh"

#define MIX_PP 4 // points per thread in the projections; pt is a multiple of it

// project computes dst[p][j] = sum_i src[p][i] M[i][j] for the block's pt points (row-major d x d matrix M).
__device__ __forceinline__ void project(double* dst, const double* src, const double* __restrict__ M, int d, int pt) {
	const int groups = pt / MIX_PP;
	for (int idx = threadIdx.x; idx < d * groups; idx += blockDim.x) {
		const int j = idx % d, g = idx / d;
		double acc[MIX_PP];
#pragma unroll
		for (int q = 0; q < MIX_PP; q++) acc[q] = 0;
		const double* s = src + (g * MIX_PP) * d;
		for (int i = 0; i < d; i++) {
			const double m = __ldg(M + (i64)i * d + j);
#pragma unroll
			for (int q = 0; q < MIX_PP; q++) acc[q] = fma(s[q * d + i], m, acc[q]);
		}
		double* o = dst + (g * MIX_PP) * d + j;
#pragma unroll
		for (int q = 0; q < MIX_PP; q++) o[q * d] = acc[q];
	}
}

// mixture_denoise_f32: dst = D(x) for npts points of dimension d under (alpha, sigma) = (a, s). Q and QT hold
// ncomp row-major d x d eigenvector matrices and their transposes, mu and lam ncomp x d means and eigenvalues,
// logw the ncomp log-weights (components of zero weight are left out by the host), all double. Dynamic shared
// memory: mixtureSmemBytes(d, pt) in gpu/mixture_tables.go.
extern "C" __global__ void mixture_denoise_f32(float* dst, const float* x, i64 npts, i64 d_, i64 ncomp, i64 pt_,
	const double* Q, const double* QT, const double* mu, const double* lam, const double* logw, double a, double s) {
	DYNAMIC_SMEM(double, smem);
	const int d = (int)d_, pt = (int)pt_;
	double* top = smem;        // running max logit per point
	double* total = top + pt;  // running sum of exp(logit - top)
	double* wgt = total + pt;  // this component's weight exp(logit - top)
	double* scl = wgt + pt;    // rescale of the accumulator when top moves
	double* red = scl + pt;    // 32 warp partials + the log-determinant
	double* xc = red + 33;     // centred rows, later the component's posterior mean minus mu
	double* y = xc + pt * d;   // eigenbasis coordinates
	double* out = y + pt * d;  // accumulated posterior mean
	double* v = out + pt * d;  // alpha^2 l + sigma^2
	double* shrink = v + d;    // alpha l / v

	const i64 p0 = (i64)blockIdx.x * pt;
	const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
	for (int p = threadIdx.x; p < pt; p += blockDim.x) {
		top[p] = -INFINITY;
		total[p] = 0;
	}
	for (int i = threadIdx.x; i < pt * d; i += blockDim.x) out[i] = 0;

	for (int k = 0; k < (int)ncomp; k++) {
		const double* muk = mu + (i64)k * d;
		const double* lk = lam + (i64)k * d;
		double ld = 0;
		for (int j = threadIdx.x; j < d; j += blockDim.x) {
			const double vj = a * a * lk[j] + s * s;
			v[j] = vj;
			shrink[j] = a * lk[j] / vj;
			ld += log(vj);
		}
		ld = warp_sum_d(ld);
		if (lane == 0) red[warp] = ld;
		for (int i = threadIdx.x; i < pt * d; i += blockDim.x) {
			const int p = i / d, j = i % d;
			const i64 gp = p0 + p;
			xc[i] = gp < npts ? (double)x[gp * d + j] - a * muk[j] : 0;
		}
		__syncthreads();
		if (threadIdx.x == 0) {
			double t = 0;
			for (int w = 0; w < nwarps; w++) t += red[w];
			red[32] = t;
		}
		project(y, xc, Q + (i64)k * d * d, d, pt);
		__syncthreads();
		const double logdet = red[32];
		for (int p = warp; p < pt; p += nwarps) {
			double quad = 0;
			for (int j = lane; j < d; j += 32) {
				const double yv = y[p * d + j];
				quad = fma(yv, yv / v[j], quad);
				y[p * d + j] = yv * shrink[j];
			}
			quad = warp_sum_d(quad);
			if (lane == 0) {
				const double logit = logw[k] - 0.5 * logdet - 0.5 * quad;
				if (logit > top[p]) {
					const double r = exp(top[p] - logit); // 0 for the first component
					scl[p] = r;
					total[p] = total[p] * r + 1.0;
					wgt[p] = 1.0;
					top[p] = logit;
				} else {
					const double w = exp(logit - top[p]);
					scl[p] = 1.0;
					wgt[p] = w;
					total[p] += w;
				}
			}
		}
		__syncthreads();
		project(xc, y, QT + (i64)k * d * d, d, pt);
		__syncthreads();
		for (int i = threadIdx.x; i < pt * d; i += blockDim.x) {
			const int p = i / d, j = i % d;
			out[i] = fma(out[i], scl[p], wgt[p] * (xc[i] + muk[j]));
		}
		__syncthreads();
	}
	for (int i = threadIdx.x; i < pt * d; i += blockDim.x) {
		const int p = i / d, j = i % d;
		const i64 gp = p0 + p;
		if (gp < npts) dst[gp * d + j] = (float)(out[i] / total[p]);
	}
}
