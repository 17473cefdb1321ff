// Diffuser's value guidance on the device (rl/diffuser's valueGuide.correct with an MLP value model,
// train's ObjectiveValue): the value network's input rows, the activations' derivatives of its backward
// pass to the input, and the guide's gradient step on the free window entries. The Linear layers forward
// and backward (through the untransposed weights) are linear_f32's.
#include "common.cuh"
#include "act_grad.cuh"

// value_input_f32: in [B, I] = [window y_b (W values) | the I - W time features of u]; feature 2(k-1) is
// cos(pi k u) and 2(k-1)+1 is sin(pi k u) (train's valueTimeFeatures), in double, rounded once.
extern "C" __global__ void value_input_f32(float* in, const float* y, i64 B, i64 W, i64 I, double u) {
	GRID_STRIDE(idx, B * I) {
		const i64 j = idx % I, b = idx / I;
		if (j < W) {
			in[idx] = y[b * W + j];
		} else {
			const i64 f = j - W;
			const double a = 3.14159265358979323846 * (double)(f / 2 + 1) * u;
			in[idx] = (float)((f % 2 == 0) ? cos(a) : sin(a));
		}
	}
}

// value_act_f32: h = act(z) (act_f32, as linear_f32's fused epilogue applies it).
extern "C" __global__ void value_act_f32(float* h, const float* z, i64 n, i64 act) {
	GRID_STRIDE(i, n) { h[i] = act_f32((int)act, z[i]); }
}

// act_grad_f32: g = g act'(z), the backward pass through an activation of pre-activations z.
extern "C" __global__ void act_grad_f32(float* g, const float* z, i64 n, i64 act) {
	GRID_STRIDE(i, n) { g[i] = (float)((double)g[i] * act_derivative((int)act, (double)z[i])); }
}

// value_step_f32: y [B, W] += k gin [B, I] (its first W columns) on the entries free marks (non-zero; per
// window entry); the fixed ones are left bit for bit.
extern "C" __global__ void value_step_f32(float* y, const float* gin, const float* free_, i64 B, i64 W, i64 I, double k) {
	GRID_STRIDE(idx, B * W) {
		const i64 j = idx % W, b = idx / W;
		if (free_[j] != 0.0f) y[idx] = (float)((double)y[idx] + k * (double)gin[b * I + j]);
	}
}
