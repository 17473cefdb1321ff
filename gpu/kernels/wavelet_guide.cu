// WDNO's control guidance on the device (pde/wdno's guide.gradient for the wavelet layout): the image's band
// blocks to band tensors, the control objective's gradient of the decoded trajectory, and the gradient's
// bands back into an image. The transforms between them are wavelet.cu's.
//
// Image x [n, ch, h, w]: field k (the nS state channels, then the controls; nfield in all) has its four
// one-level bands b = aa, da, ad, dd in channel 4k + b, rows [0, bh), columns [0, bw), divided by the
// channel's scale. Bands [4][n nfield, bh, bw]: band b of case c's field k at (c nfield + k).
#include "common.cuh"

// wavelet_bands_from_image_f32: bands = the band blocks of x times their channel's scale (the layout's
// Decode before its inverse DWT).
extern "C" __global__ void wavelet_bands_from_image_f32(float* bands, const float* x, const float* scales, i64 n,
	i64 nfield, i64 ch, i64 h, i64 w, i64 bh, i64 bw) {
	const i64 per = n * nfield * bh * bw;
	GRID_STRIDE(idx, 4 * per) {
		const i64 q = idx % bw, r = (idx / bw) % bh, e = (idx / (bw * bh)) % (n * nfield), b = idx / per;
		const i64 c = 4 * (e % nfield) + b;
		bands[idx] = x[(((e / nfield) * ch + c) * h + r) * w + q] * scales[c];
	}
}

// wavelet_image_from_bands_f32: gx = the bands placed in their blocks times their channel's scale, zero
// elsewhere (the layout's DecodeAdjoint after the inverse DWT's adjoint).
extern "C" __global__ void wavelet_image_from_bands_f32(float* gx, const float* bands, const float* scales, i64 n,
	i64 nfield, i64 ch, i64 h, i64 w, i64 bh, i64 bw) {
	const i64 per = n * nfield * bh * bw;
	GRID_STRIDE(idx, n * ch * h * w) {
		const i64 q = idx % w, r = (idx / w) % h, c = (idx / (w * h)) % ch, cs = idx / (w * h * ch);
		float v = 0.0f;
		if (c < 4 * nfield && r < bh && q < bw) {
			const i64 e = cs * nfield + c / 4;
			v = bands[(c % 4) * per + (e * bh + r) * bw + q] * scales[c];
		}
		gx[idx] = v;
	}
}

// control_gradient_f32: the gradient of WDNO's control objective
//
//	J = mean_x (u(0) - u0)^2 + mean_x (u(T) - u*)^2 + energy sum f^2
//
// with respect to the synthesised fields y [n nfield, rec] (each field's first frames cells values are its
// trajectory, frame-major, as the layout's Decode crops them; the rest is the synthesis's padding, whose
// gradient is zero). A state frame holds cells nS values (cell-major, state channel fastest), u0 and target
// one such frame per case; the initial frame's gradient is 2 (u - u0) / (cells nS), the last frame's
// 2 (u - u*) / (cells nS) (the last wins when there is one frame), the controls' 2 energy f. In double,
// rounded once.
extern "C" __global__ void control_gradient_f32(float* g, const float* y, const float* u0, const float* target,
	i64 n, i64 nS, i64 nfield, i64 frames, i64 cells, i64 rec, double energy) {
	GRID_STRIDE(idx, n * nfield * rec) {
		const i64 i = idx % rec, e = idx / rec, k = e % nfield, cs = e / nfield;
		const i64 N = cells * nS;
		double v = 0.0;
		if (i < frames * cells) {
			if (k >= nS) {
				v = 2.0 * energy * (double)y[idx];
			} else {
				const i64 frame = i / cells, j = (i % cells) * nS + k;
				if (frame == frames - 1) {
					v = 2.0 * ((double)y[idx] - (double)target[cs * N + j]) / (double)N;
				} else if (frame == 0) {
					v = 2.0 * ((double)y[idx] - (double)u0[cs * N + j]) / (double)N;
				}
			}
		}
		g[idx] = (float)v;
	}
}
