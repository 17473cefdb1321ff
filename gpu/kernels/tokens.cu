// token_embed_f32: the input of nn's Transformer, each position's values embedded and the learned position
// embedding added (x_embed, then pos_embed):
//
//	h[b, l, d] = (sum_c xscale x[b, l, c] wt[c, d] + bias[d]) + pos[l, d]      x [B, L, C], h [B, L, D]
//
// with wt the Linear weight transposed [C, D], the sum in c order in float32 and the input scaled in double
// and rounded (EDM's c_in; 1 otherwise), as net_input_f32 scales an MLP's. C is a trajectory's few values per
// step, so each output reads its row directly.
#include "common.cuh"

extern "C" __global__ void token_embed_f32(float* h, const float* x, const float* wt, const float* bias, const float* pos,
	i64 rows, i64 L, i64 C, i64 D, double xscale) {
	GRID_STRIDE(i, rows * D) {
		const i64 r = i / D, d = i % D;
		const float* xr = x + r * C;
		float acc = 0.0f;
		for (i64 c = 0; c < C; c++) acc = fmaf((float)(xscale * (double)xr[c]), wt[c * D + d], acc);
		h[i] = (acc + bias[d]) + pos[(r % L) * D + d];
	}
}
