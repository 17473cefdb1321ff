// The temporal layer of EGTN (GeoTDM's equivariant network; nn/ops_reltime.go): for every node of every
// example, attention over the F frames of that node with a learned embedding psi[t, s] of the frame offset.
// Group g = b N + n holds the node rows (b F + f) N + n; attention matrices A are [B N, F, F].
#include "common.cuh"

// egtn_row returns the node row of frame f of group g.
__device__ __forceinline__ i64 egtn_row(i64 g, i64 f, i64 F, i64 N) { return (g / N * F + f) * N + g % N; }

// rel_attn_weights_f32: one thread per (group, frame t): GeoTDM's attention weights (one head, no 1/sqrt(H)
// scaling)
//
//	A[g, t, s] = softmax_s(q_t . (k_s + psi[t, s])),    q, k [rows, H], psi [F, F, H],
//
// the logits as float32 dot products in h order (as nn's float32 GEMMs accumulate), the softmax's maximum shift
// and normaliser in double.
extern "C" __global__ void rel_attn_weights_f32(float* A, const float* q, const float* k, const float* psi, i64 G, i64 F, i64 N, i64 H) {
	GRID_STRIDE(gt, G * F) {
		const i64 g = gt / F, t = gt % F;
		const float* qt = q + egtn_row(g, t, F, N) * H;
		float* a = A + gt * F;
		float mx = -INFINITY;
		for (i64 s = 0; s < F; s++) {
			const float* ks = k + egtn_row(g, s, F, N) * H;
			const float* p = psi + (t * F + s) * H;
			float l = 0.0f, lp = 0.0f;
			for (i64 i = 0; i < H; i++) {
				l += qt[i] * ks[i];
				lp += qt[i] * p[i];
			}
			a[s] = l + lp;
			mx = fmaxf(mx, a[s]);
		}
		double z = 0;
		for (i64 s = 0; s < F; s++) z += exp((double)(a[s] - mx));
		for (i64 s = 0; s < F; s++) a[s] = (float)(exp((double)(a[s] - mx)) / z);
	}
}

// rel_attn_apply_f32: the attention's update of the node features, with the residual:
//
//	y_t = h_t + sum_s A[g, t, s] (v_s + psi[t, s]),    h, v, y [rows, H].
//
// y may be h.
extern "C" __global__ void rel_attn_apply_f32(float* y, const float* h, const float* A, const float* v, const float* psi, i64 G, i64 F, i64 N, i64 H) {
	GRID_STRIDE(j, G * F * H) {
		const i64 i = j % H, gt = j / H, g = gt / F, t = gt % F;
		const float* a = A + gt * F;
		float acc = 0.0f, accp = 0.0f;
		for (i64 s = 0; s < F; s++) {
			acc += a[s] * v[egtn_row(g, s, F, N) * H + i];
			accp += a[s] * psi[(t * F + s) * H + i];
		}
		const i64 rt = egtn_row(g, t, F, N) * H + i;
		y[rt] = h[rt] + (acc + accp);
	}
}

// temporal_coord_f32: the temporal coordinate update, with the residual:
//
//	y_t = x_t + sum_s A[g, t, s] w_s (x_t - x_s),    x, y [rows, D], w [rows].
//
// y must not be x (frame t reads every frame of its group).
extern "C" __global__ void temporal_coord_f32(float* y, const float* x, const float* A, const float* w, i64 G, i64 F, i64 N, i64 D) {
	GRID_STRIDE(j, G * F * D) {
		const i64 i = j % D, gt = j / D, g = gt / F, t = gt % F;
		const float* a = A + gt * F;
		const i64 rt = egtn_row(g, t, F, N);
		const float xt = x[rt * D + i];
		float acc = 0.0f;
		for (i64 s = 0; s < F; s++) {
			const i64 rs = egtn_row(g, s, F, N);
			acc += a[s] * w[rs] * (xt - x[rs * D + i]);
		}
		y[rt * D + i] = xt + acc;
	}
}
