// One level of PyWavelets' discrete wavelet transform along one axis of a batched row-major tensor
// [outer, n, inner], for modes periodization (mode 0) and zero (mode 1). The filter bank comes from the host
// (package wavelet's tables) as one array of 4F values: dec_lo, dec_hi, rec_lo, rec_hi, each of length F.
// One thread computes one output position (and both bands where a kernel writes two); the tensors WDNO
// transforms are small, so the kernels favour being obviously PyWavelets' sums over speed.
//
// Analysis (pywt.dwt), coefficient k of m = ceil(n/2) (periodization) or floor((n + F - 1)/2) (zero):
//
//	zero:           a[k] = sum_j dec_lo[j] x[2k + 1 - j],            x = 0 outside [0, n)
//	periodization:  a[k] = sum_j dec_lo[j] xe[(2k + F/2 - j) mod P],  P = n rounded up to even, xe[n] = x[n-1]
//
// (d the same with dec_hi). Synthesis (pywt.idwt) of m coefficients, output length 2m (periodization) or
// 2m - F + 2 (zero), is the transposed convolution of the upsampled bands, cropped or wrapped:
//
//	zero:           y[i] = sum_{2k + t = i + F - 2} a[k] rec_lo[t] + d[k] rec_hi[t]
//	periodization:  y[i] = sum_{2k + t = i + F/2 - 1 (mod 2m)} a[k] rec_lo[t] + d[k] rec_hi[t]
//
// and its adjoint (the gradient through pywt.idwt, not the analysis: the rec filters of a biorthogonal bank
// are not the dec filters reversed) reads the same index relation the other way round:
//
//	ga[k] = sum_t rec_lo[t] g[2k + t - (F - 2)]   (zero; terms outside [0, 2m - F + 2) vanish)
//	ga[k] = sum_t rec_lo[t] g[(2k + t - F/2 + 1) mod 2m]   (periodization)
//
// Sums run in float32 in tap order, as PyWavelets' float32 path does.
#include "common.cuh"

#define WAVELET_PERIODIZATION 0
#define WAVELET_ZERO 1

// wrap returns i mod p in [0, p) for any sign of i.
__device__ __forceinline__ i64 wavelet_wrap(i64 i, i64 p) {
	i64 r = i % p;
	return r < 0 ? r + p : r;
}

extern "C" __global__ void dwt_axis_f32(float* a, float* d, const float* x, const float* filt, i64 outer, i64 n,
	i64 inner, i64 F, i64 mode) {
	const float* lo = filt;
	const float* hi = filt + F;
	const i64 m = mode == WAVELET_ZERO ? (n + F - 1) / 2 : (n + 1) / 2;
	const i64 p = n + (n & 1); // periodization: the signal padded to even length with its last value
	GRID_STRIDE(idx, outer * m * inner) {
		const i64 c = idx % inner, k = (idx / inner) % m, o = idx / (inner * m);
		const float* xr = x + o * n * inner + c;
		float sa = 0.0f, sd = 0.0f;
		for (i64 j = 0; j < F; j++) {
			i64 pos;
			if (mode == WAVELET_ZERO) {
				pos = 2 * k + 1 - j;
				if (pos < 0 || pos >= n) continue;
			} else {
				pos = wavelet_wrap(2 * k + F / 2 - j, p);
				if (pos == n) pos = n - 1;
			}
			const float v = xr[pos * inner];
			sa += lo[j] * v;
			sd += hi[j] * v;
		}
		a[idx] = sa;
		d[idx] = sd;
	}
}

// idwt_axis_f32: synthesis of m coefficients per row into y [outer, ny, inner].
extern "C" __global__ void idwt_axis_f32(float* y, const float* a, const float* d, const float* filt, i64 outer,
	i64 m, i64 inner, i64 F, i64 mode) {
	const float* lo = filt + 2 * F;
	const float* hi = filt + 3 * F;
	const i64 ny = mode == WAVELET_ZERO ? 2 * m - F + 2 : 2 * m;
	GRID_STRIDE(idx, outer * ny * inner) {
		const i64 c = idx % inner, i = (idx / inner) % ny, o = idx / (inner * ny);
		const float* ar = a + o * m * inner + c;
		const float* dr = d + o * m * inner + c;
		float s = 0.0f;
		for (i64 t = 0; t < F; t++) {
			i64 q;
			if (mode == WAVELET_ZERO) {
				q = i + F - 2 - t;
				if (q < 0 || q >= 2 * m) continue;
			} else {
				q = wavelet_wrap(i + F / 2 - 1 - t, 2 * m);
			}
			if (q & 1) continue; // falls between two upsampled coefficients
			const i64 k = q / 2;
			s += lo[t] * ar[k * inner] + hi[t] * dr[k * inner];
		}
		y[idx] = s;
	}
}

// idwt_axis_adjoint_f32: the transpose of idwt_axis_f32, g [outer, ny, inner] to ga, gd [outer, m, inner].
extern "C" __global__ void idwt_axis_adjoint_f32(float* ga, float* gd, const float* g, const float* filt,
	i64 outer, i64 m, i64 inner, i64 F, i64 mode) {
	const float* lo = filt + 2 * F;
	const float* hi = filt + 3 * F;
	const i64 ny = mode == WAVELET_ZERO ? 2 * m - F + 2 : 2 * m;
	GRID_STRIDE(idx, outer * m * inner) {
		const i64 c = idx % inner, k = (idx / inner) % m, o = idx / (inner * m);
		const float* gr = g + o * ny * inner + c;
		float sa = 0.0f, sd = 0.0f;
		for (i64 t = 0; t < F; t++) {
			i64 i;
			if (mode == WAVELET_ZERO) {
				i = 2 * k + t - (F - 2);
				if (i < 0 || i >= ny) continue;
			} else {
				i = wavelet_wrap(2 * k + t - F / 2 + 1, 2 * m);
			}
			const float v = gr[i * inner];
			sa += lo[t] * v;
			sd += hi[t] * v;
		}
		ga[idx] = sa;
		gd[idx] = sd;
	}
}
