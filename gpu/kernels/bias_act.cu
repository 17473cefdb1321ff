// bias_act_f32: the epilogue of a Linear layer computed on the tensor cores (gemm_tf32), and the per-channel
// bias of a convolution's rows: y[r, c] = act(y[r, c] + bias[g, c]) in place over y [m, n], with g = r / group
// the row's bias row (group > 0: each run of group rows, e.g. one window's positions, has its own bias row)
// or g = 0 (group = 0: one bias row for all).
#include "activation.cuh"
#include "common.cuh"

extern "C" __global__ void bias_act_f32(float* y, const float* bias, i64 m, i64 n, i64 act, i64 group) {
	const int a = (int)act;
	GRID_STRIDE(i, m * n) {
		const i64 r = i / n, c = i % n;
		const i64 g = group > 0 ? r / group : 0;
		y[i] = act_f32(a, y[i] + bias[g * n + c]);
	}
}
