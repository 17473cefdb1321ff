// net_input_f32 assembles the input rows of a network that concatenates its data, time embedding and
// condition (nn.MLP: [x | emb(t) | keep cond]), for npts points at one time:
//
//	in[b, j] = xscale x[b, j]                     j < dim
//	         = emb_{j-dim}(t)                     dim <= j < dim + tdim
//	         = cond[b cstride + j-dim-tdim] or 0   the condition, when has_cond, else 0 (keep = 0: the
//	                                              unconditional model of classifier-free guidance); cstride
//	                                              is 0 for one condition shared by every point, cdim for
//	                                              one row per point
//
// The time embedding is nn's, evaluated as nn's float32 kernels evaluate it (nn/internal/kern SinusoidalFwd,
// FourierFwd): with h = tdim/2,
//
//	sinusoidal (Vaswani et al. 2017; DDPM)   [sin(t f_i) | cos(t f_i)], f_i = exp(-i ln(10000)/(h-1))
//	fourier    (Tancik et al. 2020; EDM)      [cos(2 pi f_i t) | sin(2 pi f_i t)], f_i = freqs[i]
//
// with the argument rounded to float32 and sin, cos taken in double. xscale is EDM's c_in (1 otherwise); t
// is the network's time input (EDM: c_noise). freqs and cond must be valid device pointers even when unused.
#include "common.cuh"

extern "C" __global__ void net_input_f32(float* in, const float* x, i64 npts, i64 dim, i64 tdim, i64 cdim,
	double xscale, double t, const float* freqs, i64 fourier, const float* cond, i64 has_cond, i64 cstride) {
	const i64 width = dim + tdim + cdim, h = tdim / 2;
	const float tf = (float)t;
	const double lnc = log(10000.0) / (double)(h - 1);
	GRID_STRIDE(i, npts * width) {
		const i64 b = i / width, j = i % width;
		float v;
		if (j < dim) {
			v = (float)(xscale * (double)x[b * dim + j]);
		} else if (j < dim + tdim) {
			const i64 e = j - dim, f = e < h ? e : e - h;
			float arg;
			if (fourier) {
				arg = tf * (freqs[f] * 6.283185307179586f);
			} else {
				arg = tf * (float)exp((double)((float)f * (float)(-lnc)));
			}
			const bool first = e < h;
			// sinusoidal: [sin | cos]; fourier: [cos | sin]
			v = (float)((first != (bool)fourier) ? sin((double)arg) : cos((double)arg));
		} else {
			v = has_cond ? cond[b * cstride + (j - dim - tdim)] : 0.0f;
		}
		in[i] = v;
	}
}
