// The 2-D U-Net's linear attention (lucidrains' LinearAttention) on packed projections qkv [B, N, 3D]
// (queries, keys and values side by side, D = H Dh: head h owns channels [h Dh, (h+1) Dh) of each), writing
// o [B, N, D] before the output projection; its full attention is attention_f32 (attention.cu). Exact
// float32 products; the softmax statistics in double.
#include "common.cuh"

// LINATTN_MAX_DH bounds the head width (linattn_context_f32's key statistics live in shared memory); the
// host checks it.
#define LINATTN_MAX_DH 128
#define LINATTN_THREADS 256

// linattn_context_f32: per (example, head), one block: the keys softmaxed over the N positions, feature by
// feature (lucidrains' LinearAttention, k.softmax(dim=-1)), and the head's context
//
//	ctx[b, h, d, e] = sum_n softmax_n(k[b, ., h, d])[n] v[b, n, h, e]        (K^T V, Dh x Dh)
//
// with each softmax's max and sum of exponentials in double, summed in a fixed order.
extern "C" __global__ void __launch_bounds__(LINATTN_THREADS) linattn_context_f32(float* ctx, const float* qkv, i64 N, i64 H, i64 Dh) {
	__shared__ float mx[LINATTN_MAX_DH];
	__shared__ double inv[LINATTN_MAX_DH];
	const i64 bh = blockIdx.x, b = bh / H, h = bh % H, D = H * Dh;
	const float* k = qkv + b * N * 3 * D + D + h * Dh;
	const float* v = qkv + b * N * 3 * D + 2 * D + h * Dh;
	for (i64 d = threadIdx.x; d < Dh; d += blockDim.x) {
		float m = k[d];
		for (i64 n = 1; n < N; n++) m = fmaxf(m, k[n * 3 * D + d]);
		double s = 0;
		for (i64 n = 0; n < N; n++) s += (double)expf(k[n * 3 * D + d] - m);
		mx[d] = m;
		inv[d] = 1.0 / s;
	}
	__syncthreads();
	for (i64 de = threadIdx.x; de < Dh * Dh; de += blockDim.x) {
		const i64 d = de / Dh, e = de % Dh;
		double s = 0;
		for (i64 n = 0; n < N; n++) s += (double)expf(k[n * 3 * D + d] - mx[d]) * (double)v[n * 3 * D + e];
		ctx[bh * Dh * Dh + de] = (float)(s * inv[d]);
	}
}

// linattn_out_f32: the linear attention's output, each query softmaxed over its Dh features and scaled by
// Dh^-1/2 (q.softmax(dim=-2) * scale), times its head's context:
//
//	o[b, n, h Dh + e] = sum_d Dh^-1/2 softmax_d(q[b, n, h, .])[d] ctx[b, h, d, e].
extern "C" __global__ void linattn_out_f32(float* o, const float* qkv, const float* ctx, i64 B, i64 N, i64 H, i64 Dh) {
	const i64 D = H * Dh;
	const double scale = 1.0 / sqrt((double)Dh);
	GRID_STRIDE(i, B * N * D) {
		const i64 e = i % Dh, h = (i / Dh) % H, n = (i / D) % N, b = i / (N * D);
		const float* q = qkv + (b * N + n) * 3 * D + h * Dh;
		const float* c = ctx + (b * H + h) * Dh * Dh;
		float m = q[0];
		for (i64 d = 1; d < Dh; d++) m = fmaxf(m, q[d]);
		double z = 0, s = 0;
		for (i64 d = 0; d < Dh; d++) {
			const double p = (double)expf(q[d] - m);
			z += p;
			s += p * (double)c[d * Dh + e];
		}
		o[i] = (float)(scale * s / z);
	}
}
