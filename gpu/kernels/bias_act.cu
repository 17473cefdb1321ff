// bias_act_f32: the epilogue of a Linear layer computed on the tensor cores (gemm_tf32): y[r, c] =
// act(y[r, c] + bias[c]) in place over y [m, n].
#include "activation.cuh"
#include "common.cuh"

extern "C" __global__ void bias_act_f32(float* y, const float* bias, i64 m, i64 n, i64 act) {
	const int a = (int)act;
	GRID_STRIDE(i, m * n) y[i] = act_f32(a, y[i] + bias[i % n]);
}
