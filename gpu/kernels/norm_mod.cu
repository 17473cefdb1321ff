// The 2-D U-Net's channel LayerNorm and its time modulation.
#include "activation.cuh"
#include "common.cuh"

// layer_norm_rows_f32: lucidrains' channel LayerNorm (nn's LayerNorm over the last axis with a gain and no
// bias) of rows x [rows, C]:
//
//	y[r, c] = gamma[c] (x[r, c] - mean_r) / sqrt(var_r + eps),
//
// with the mean and the biased variance of row r in double, as nn's float32 kernel takes them. One warp per
// row, its lanes' partial sums added in a fixed order (warp_sum_d), so the bits do not depend on the schedule.
extern "C" __global__ void layer_norm_rows_f32(float* y, const float* x, const float* gamma, i64 rows, i64 C, double eps) {
	const i64 warps = ((i64)blockDim.x * gridDim.x) / 32;
	const int lane = threadIdx.x % 32;
	for (i64 r = ((i64)blockIdx.x * blockDim.x + threadIdx.x) / 32; r < rows; r += warps) {
		const float* xr = x + r * C;
		double s = 0;
		for (i64 c = lane; c < C; c += 32) s += (double)xr[c];
		const double mean = warp_sum_d(s) / (double)C;
		s = 0;
		for (i64 c = lane; c < C; c += 32) {
			const double d = (double)xr[c] - mean;
			s += d * d;
		}
		const float q = (float)(1.0 / sqrt(warp_sum_d(s) / (double)C + eps)), m = (float)mean;
		for (i64 c = lane; c < C; c += 32) y[r * C + c] = ((xr[c] - m) * q) * gamma[c];
	}
}

// modulate_act_f32: a ResnetBlock's time conditioning after its first norm, y = act(x (1 + scale) + shift)
// over rows x [rows, C], with [scale | shift] = mod [2C] (torch's chunk(2) of the block's time projection),
// one row for the batch (every example shares t). y may be x.
extern "C" __global__ void modulate_act_f32(float* y, const float* x, const float* mod, i64 rows, i64 C, i64 act) {
	GRID_STRIDE(i, rows * C) {
		const i64 c = i % C;
		y[i] = act_f32((int)act, x[i] * (1.0f + mod[c]) + mod[C + c]);
	}
}
