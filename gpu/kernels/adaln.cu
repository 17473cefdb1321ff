// adaLN-Zero (Peebles & Xie 2023, "Scalable Diffusion Models with Transformers"), the conditioning of nn's
// Transformer blocks: a LayerNorm without affine map fused with the modulation that follows it, and the gated
// residual. Rows [rows, C] come in examples of S consecutive rows (a window's positions); example e reads its
// modulation vectors from mod[e mstride + off ...] (mstride 0: one row of mod for the whole batch, as when
// every window shares t and the condition; E: one row per window).
#include "common.cuh"

#define LN_THREADS 256 // 8 warps, one row each

// layer_norm_mod_f32: y = LN(x) (1 + scale) + shift, nn's LayerNorm(x, nil, nil, eps) then Modulate:
//
//	xhat[r, c] = (x[r, c] - mean_r) / sqrt(var_r + eps),  y[r, c] = xhat[r, c] (1 + scale_e[c]) + shift_e[c],
//
// with mean_r and the biased var_r = E[x^2] - mean^2 (clamped at 0) summed in double as nn's float32 kernel
// does, xhat rounded to float32 from float32 mean and rstd, scale_e = mod[e mstride + scale_off ...] and
// shift_e = mod[e mstride + shift_off ...], e = r / S. One warp per row; y may be x.
extern "C" __global__ void __launch_bounds__(LN_THREADS) layer_norm_mod_f32(float* y, const float* x, const float* mod,
	i64 rows, i64 C, i64 S, i64 mstride, i64 shift_off, i64 scale_off, double eps) {
	const i64 r = (i64)blockIdx.x * (LN_THREADS / 32) + threadIdx.x / 32;
	const int lane = threadIdx.x % 32;
	if (r >= rows) return; // whole warps leave together: the shuffles below see all 32 lanes
	const float* xr = x + r * C;
	double s = 0, s2 = 0;
	for (i64 c = lane; c < C; c += 32) {
		const double f = (double)xr[c];
		s += f;
		s2 += f * f;
	}
	s = warp_sum_d(s);
	s2 = warp_sum_d(s2);
	const double m = s / (double)C;
	double v = s2 / (double)C - m * m;
	if (v < 0) v = 0;
	const float mt = (float)m, qt = (float)(1.0 / sqrt(v + eps));
	const float* me = mod + (r / S) * mstride;
	float* yr = y + r * C;
	for (i64 c = lane; c < C; c += 32) {
		const float h = (xr[c] - mt) * qt;
		yr[c] = h * (1.0f + me[scale_off + c]) + me[shift_off + c];
	}
}

// gated_add_f32: adaLN-Zero's gated residual x += gate z in place (nn's GatedAdd), over x, z [rows, C] with
// gate_e = mod[e mstride + gate_off ...], e = r / S.
extern "C" __global__ void gated_add_f32(float* x, const float* z, const float* mod, i64 rows, i64 C, i64 S, i64 mstride,
	i64 gate_off) {
	GRID_STRIDE(i, rows * C) {
		const i64 r = i / C, c = i % C;
		x[i] = x[i] + mod[(r / S) * mstride + gate_off + c] * z[i];
	}
}
