// WDNO's smoke control guidance on the device (pde/wdno's guide.gradient for the smoke wavelet layout): the
// density's eight 3-D band blocks of the image to band tensors, the gradient of the initial-density misfit
// of the decoded trajectory, and the gradient's bands back into an image plus the objective's constant
// linear part. The 3-D transforms between them are wavelet.cu's.
//
// Image x [n, ch, tf, h, w]: the density's band b (pywt.dwtn's order over (t, x, y): aaa, aad, ..., ddd) sits
// in channel b, frames [0, bt), rows [0, bx), columns [0, by), divided by the channel's scale. Bands
// [8][n, bt, bx, by]: band b of case c at c.
#include "common.cuh"

// smoke_bands_from_image_f32: bands = the density's band blocks times their channel's scale (the layout's
// Decode before its inverse 3-D DWT).
extern "C" __global__ void smoke_bands_from_image_f32(float* bands, const float* x, const float* scales, i64 n, i64 ch,
	i64 tf, i64 h, i64 w, i64 bt, i64 bx, i64 by) {
	const i64 per = n * bt * bx * by;
	GRID_STRIDE(idx, 8 * per) {
		const i64 q = idx % by, r = (idx / by) % bx, t = (idx / (by * bx)) % bt, cs = (idx / (by * bx * bt)) % n;
		const i64 b = idx / per;
		bands[idx] = x[(((cs * ch + b) * tf + t) * h + r) * w + q] * scales[b];
	}
}

// smoke_d0_gradient_f32: the gradient of weight mean_cells (d(0) - d0*)^2 with respect to the synthesised
// densities y [n, st, sx, sy] (the layout's Decode crops frames [0, frames) x [0, gx) x [0, gy) from them; only
// frame 0 enters): 2 weight (d - d0*) / (gx gy) on frame 0's cells, zero elsewhere. d0 [n, gx, gy]. In
// double, rounded once.
extern "C" __global__ void smoke_d0_gradient_f32(float* g, const float* y, const float* d0, i64 n, i64 st, i64 sx,
	i64 sy, i64 gx, i64 gy, double weight) {
	GRID_STRIDE(idx, n * st * sx * sy) {
		const i64 q = idx % sy, r = (idx / sy) % sx, t = (idx / (sy * sx)) % st, cs = idx / (sy * sx * st);
		double v = 0.0;
		if (t == 0 && r < gx && q < gy) {
			v = 2.0 * weight * ((double)y[idx] - (double)d0[(cs * gx + r) * gy + q]) / (double)(gx * gy);
		}
		g[idx] = (float)v;
	}
}

// smoke_image_from_bands_f32: gx = linear (one image's constant gradient of the objective's linear part,
// the same for every case) plus the density's gradient bands placed in their blocks times their channel's
// scale (the layout's DecodeAdjoint after the inverse 3-D DWT's adjoint).
extern "C" __global__ void smoke_image_from_bands_f32(float* gx, const float* bands, const float* scales,
	const float* linear, i64 n, i64 ch, i64 tf, i64 h, i64 w, i64 bt, i64 bx, i64 by) {
	const i64 per = n * bt * bx * by, img = ch * tf * h * w;
	GRID_STRIDE(idx, n * img) {
		const i64 q = idx % w, r = (idx / w) % h, t = (idx / (w * h)) % tf, c = (idx / (w * h * tf)) % ch;
		const i64 cs = idx / img;
		float v = linear[idx % img];
		if (c < 8 && t < bt && r < bx && q < by) {
			v += bands[c * per + ((cs * bt + t) * bx + r) * by + q] * scales[c];
		}
		gx[idx] = v;
	}
}
