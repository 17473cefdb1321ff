// attention_f32: the core of multi-head self-attention, nn's Attention (without a key mask):
//
//	o[b, i, h] = sum_j softmax_j(q_i . k_j / sqrt(Dh)) v_j       over j < L, or j <= i when causal,
//
// on packed projections qkv [B, L, 3D] (queries, keys, values side by side, head h at columns h Dh ...),
// o [B, L, D], D = H Dh. The score matrix is never stored (Dao et al. 2022, "FlashAttention"; Milakov &
// Gimelshein 2018, online softmax): each thread owns one query and walks the keys in tiles of ATT_KB staged in
// shared memory, keeping the running maximum m, the running normaliser l and the unnormalised output acc; a
// tile with scores s_j and new maximum m' = max(m, s_j) rescales l and acc by exp(m - m') and adds
// exp(s_j - m') and exp(s_j - m') v_j, so after the last tile o = acc / l exactly as the two-pass softmax gives
// it. Memory per query is O(Dh) whatever L; causal blocks stop at their last query's key.
//
// attention_bias_f32 adds a logit bias shared by the B sequences, s_ij = q_i . k_j / sqrt(Dh) + bias[h, i, j]
// with bias [H, L, L] (the temporal attention's T5 relative position bias, nn's BiasedAttention); the online
// softmax is unchanged.
//
// Grid (qblocks H, B), block ATT_Q threads: blockIdx.x = h qblocks + query block.
#include "common.cuh"

#define ATT_Q 64       // queries per block, one per thread
#define ATT_KB 32      // keys per shared-memory tile
#define ATT_MAX_DH 128 // largest head width (registers per thread)

// attention_core: bias is null for attention_f32.
__device__ __forceinline__ void attention_core(float* o, const float* qkv, const float* bias, i64 L, i64 H, i64 Dh,
	i64 causal, i64 qblocks) {
	__shared__ float ks[ATT_KB * ATT_MAX_DH];
	__shared__ float vs[ATT_KB * ATT_MAX_DH];
	const i64 qb = blockIdx.x % qblocks, h = blockIdx.x / qblocks, b = blockIdx.y;
	const i64 D = H * Dh, row = 3 * D;
	const float* base = qkv + b * L * row;
	const i64 i = qb * ATT_Q + threadIdx.x;
	const bool active = i < L;
	const float scale = (float)(1.0 / sqrt((double)Dh));
	float q[ATT_MAX_DH], acc[ATT_MAX_DH];
	for (i64 d = 0; d < Dh; d++) {
		q[d] = active ? base[i * row + h * Dh + d] : 0.0f;
		acc[d] = 0.0f;
	}
	float m = -INFINITY, l = 0.0f;
	const i64 qend = (qb + 1) * ATT_Q, kend = causal && qend < L ? qend : L;
	for (i64 k0 = 0; k0 < kend; k0 += ATT_KB) {
		const i64 nk = kend - k0 < ATT_KB ? kend - k0 : ATT_KB;
		__syncthreads(); // every thread is done with the previous tile
		for (i64 e = threadIdx.x; e < nk * Dh; e += ATT_Q) {
			const i64 j = e / Dh, d = e % Dh;
			ks[j * Dh + d] = base[(k0 + j) * row + D + h * Dh + d];
			vs[j * Dh + d] = base[(k0 + j) * row + 2 * D + h * Dh + d];
		}
		__syncthreads();
		if (!active) continue;
		const i64 jn = causal && i - k0 + 1 < nk ? i - k0 + 1 : nk;
		if (jn <= 0) continue;
		float s[ATT_KB];
		float mt = m;
		for (i64 j = 0; j < jn; j++) {
			float dot = 0.0f;
			for (i64 d = 0; d < Dh; d++) dot = fmaf(q[d], ks[j * Dh + d], dot);
			s[j] = scale * dot;
			if (bias) s[j] += bias[(h * L + i) * L + k0 + j];
			mt = fmaxf(mt, s[j]);
		}
		const float corr = expf(m - mt); // 0 on the first tile (m = -inf)
		l *= corr;
		for (i64 d = 0; d < Dh; d++) acc[d] *= corr;
		for (i64 j = 0; j < jn; j++) {
			const float p = expf(s[j] - mt);
			l += p;
			for (i64 d = 0; d < Dh; d++) acc[d] = fmaf(p, vs[j * Dh + d], acc[d]);
		}
		m = mt;
	}
	if (!active) return;
	const float inv = 1.0f / l;
	float* oi = o + (b * L + i) * D + h * Dh;
	for (i64 d = 0; d < Dh; d++) oi[d] = acc[d] * inv;
}

extern "C" __global__ void __launch_bounds__(ATT_Q) attention_f32(float* o, const float* qkv, i64 L, i64 H, i64 Dh,
	i64 causal, i64 qblocks) {
	attention_core(o, qkv, nullptr, L, H, Dh, causal, qblocks);
}

extern "C" __global__ void __launch_bounds__(ATT_Q) attention_bias_f32(float* o, const float* qkv, const float* bias, i64 L,
	i64 H, i64 Dh, i64 qblocks) {
	attention_core(o, qkv, bias, L, H, Dh, 0, qblocks);
}
