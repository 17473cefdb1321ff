// The spatial (graph) layer of EGTN (GeoTDM's equivariant network; nn's EGTN, nn/ops_graph.go), on node rows
// r = (b F + f) N + n of a batch of B examples of F frames of N nodes. Every frame is a complete graph without
// self loops; the N-1 edges into node n of row r are the contiguous edge rows e = r (N-1) + k, whose source is
// node j = k for k < n and k + 1 otherwise (nn's kern.Frames). Sums over a node's edges run in k order in one
// thread, so results never depend on scheduling (no atomics).
#include "activation.cuh"
#include "common.cuh"

// egtn_source returns the row of the source node of edge k into row r.
__device__ __forceinline__ i64 egtn_source(i64 r, i64 k, i64 N) {
	const i64 n = r % N;
	return r - n + (k < n ? k : k + 1);
}

// edge_geom_f32: the edge geometry of the EGNN message (Satorras et al. 2021): the coordinate difference
// dx[e] = x[r] - x[source] (x [rows, D], dx [rows (N-1), D]) and its squared length written to column 0 of
// a row of de (de[e destride] = |dx[e]|^2, the invariant the edge MLP sees, with the edge attributes in the
// row's next columns).
extern "C" __global__ void edge_geom_f32(float* dx, float* de, const float* x, i64 rows, i64 N, i64 D, i64 destride) {
	GRID_STRIDE(e, rows * (N - 1)) {
		const i64 r = e / (N - 1), s = egtn_source(r, e % (N - 1), N);
		float q = 0.0f;
		for (i64 i = 0; i < D; i++) {
			const float v = x[r * D + i] - x[s * D + i];
			dx[e * D + i] = v;
			q += v * v;
		}
		de[e * destride] = q;
	}
}

// edge_combine_act_f32: the first Linear of the edge MLP on [h_r, h_source, de_e] computed as node-level
// projections a = W_i h + bias, b = W_j h (N-1 times fewer products than on edge rows) and the edge-level
// part c = W_e de, then the activation:
//
//	y[e, i] = act(a[r, i] + b[source, i] + c[e, i]),    a, b [rows, H], c, y [rows (N-1), H].
extern "C" __global__ void edge_combine_act_f32(float* y, const float* a, const float* b, const float* c, i64 rows, i64 N, i64 H, i64 act) {
	GRID_STRIDE(j, rows * (N - 1) * H) {
		const i64 i = j % H, e = j / H, r = e / (N - 1), s = egtn_source(r, e % (N - 1), N);
		y[j] = act_f32((int)act, (a[r * H + i] + b[s * H + i]) + c[j]);
	}
}

// segment_sum_f32: the aggregation of a node's messages, y[r ystride + i] = sum_{k<S} x[(r S + k) C + i] in k
// order (x [R S, C]); ystride >= C lets the sum land in some columns of wider rows (the host offsets y: the
// right half of the node MLP's input [h | m]).
extern "C" __global__ void segment_sum_f32(float* y, const float* x, i64 R, i64 S, i64 C, i64 ystride) {
	GRID_STRIDE(j, R * C) {
		const i64 r = j / C, i = j % C;
		const float* p = x + r * S * C + i;
		float v = p[0];
		for (i64 k = 1; k < S; k++) v += p[k * C];
		y[r * ystride + i] = v;
	}
}

// edge_coord_update_f32: the EGNN coordinate update with GeoTDM's normalisation (mean over the S = N-1 edges,
// each difference divided by its length plus one; eps keeps the length differentiable at coincident nodes):
//
//	y[r] = x[r] + (1/S) sum_k dx[e] phi[e] / (sqrt(|dx[e]|^2 + eps) + 1),    e = r S + k,
//
// x, y [R, D], dx [R S, D], phi [R S]. y may be x (each element reads only its own x).
extern "C" __global__ void edge_coord_update_f32(float* y, const float* x, const float* dx, const float* phi, i64 R, i64 S, i64 D, double eps) {
	const float inv = 1.0f / (float)S;
	GRID_STRIDE(j, R * D) {
		const i64 r = j / D, i = j % D;
		float acc = 0.0f;
		for (i64 k = 0; k < S; k++) {
			const i64 e = r * S + k;
			const float* v = dx + e * D;
			float q = 0.0f;
			for (i64 l = 0; l < D; l++) q += v[l] * v[l];
			const float n = (float)sqrt((double)q + eps);
			acc += v[i] * (phi[e] * inv / (n + 1.0f));
		}
		y[j] = x[j] + acc;
	}
}
