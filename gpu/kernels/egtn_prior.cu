// EGTN's input assembly and priors (GeoTDM; nn/ops_prior.go, nn/ops_graph.go's Tile): gathering condition
// frames, node features, edge attributes and the time embedding into node and edge rows, and the priors x_r
// the process runs around: the condition frames' centre of mass and GeoTDM's learned convex frame mix. Sums
// run in a fixed order in one thread, in float32 as nn's float32 kernels sum them.
#include "common.cuh"

// tile_rows_f32: the gather behind every tiling and concatenation of EGTN's inputs. For b < B, f < F, p < P,
// j < W:
//
//	y[(b ybs + f P + p) ystride + yoff + j] = src[b sbs + soff + p sps + j]
//
// (a stride of 0 repeats a row: the time embedding for every node row, a shared condition for every example).
extern "C" __global__ void tile_rows_f32(float* y, const float* src, i64 B, i64 F, i64 P, i64 W, i64 ybs, i64 ystride, i64 yoff,
	i64 sbs, i64 soff, i64 sps) {
	GRID_STRIDE(i, B * F * P * W) {
		const i64 j = i % W, p = (i / W) % P, f = (i / (W * P)) % F, b = i / (W * P * F);
		y[(b * ybs + f * P + p) * ystride + yoff + j] = src[b * sbs + soff + p * sps + j];
	}
}

// centroid_f32: the centre-of-mass prior, the mean of an example's P condition points (rows of D values at
// src + b sbs) written to all Q points of y [B, Q, D]:
//
//	y[b, q, i] = (1/P) sum_p src[b sbs + p D + i].
extern "C" __global__ void centroid_f32(float* y, const float* src, i64 B, i64 P, i64 Q, i64 D, i64 sbs) {
	GRID_STRIDE(j, B * Q * D) {
		const i64 i = j % D, b = j / (Q * D);
		const float* x = src + b * sbs + i;
		float m = 0.0f;
		for (i64 p = 0; p < P; p++) m += x[p * D];
		y[j] = m / (float)P;
	}
}

// center_f32: removes each example's mean over its P points, y [B, P, D] = x - mean_p x (the zero centre of
// mass an unconditional EGTN without a prior works in). y must not be x.
extern "C" __global__ void center_f32(float* y, const float* x, i64 B, i64 P, i64 D) {
	GRID_STRIDE(j, B * P * D) {
		const i64 i = j % D, b = j / (P * D);
		const float* xb = x + b * P * D + i;
		float m = 0.0f;
		for (i64 p = 0; p < P; p++) m += xb[p * D];
		m /= (float)P;
		y[j] = x[j] - m;
	}
}

// convex_frame_mix_f32: GeoTDM's learned prior. Per example b and node n, the target frames are affine
// combinations of the Tc condition frames xh [B, Tc, N, D] (the prior network's output) whose weights sum to
// one, so the prior commutes with translations:
//
//	y[b, s, n] = last + gamma[s] sum_{c < Tc-1} w[b, c, n] (xh[b, c, n] - last),    last = xh[b, Tc-1, n],
//
// with w[b, c, n] the mean of the prior network's feature row (b Tc + c) N + n of h [B Tc N, H] and y
// [B, Tf, N, D].
extern "C" __global__ void convex_frame_mix_f32(float* y, const float* xh, const float* h, const float* gamma, i64 B, i64 Tc, i64 Tf,
	i64 N, i64 D, i64 H) {
	GRID_STRIDE(j, B * Tf * N * D) {
		const i64 i = j % D, n = (j / D) % N, s = (j / (N * D)) % Tf, b = j / (Tf * N * D);
		const float last = xh[((b * Tc + Tc - 1) * N + n) * D + i];
		float u = 0.0f;
		for (i64 c = 0; c + 1 < Tc; c++) {
			const float* hr = h + ((b * Tc + c) * N + n) * H;
			float w = 0.0f;
			for (i64 k = 0; k < H; k++) w += hr[k];
			w /= (float)H;
			u += w * (xh[((b * Tc + c) * N + n) * D + i] - last);
		}
		y[j] = last + gamma[s] * u;
	}
}
