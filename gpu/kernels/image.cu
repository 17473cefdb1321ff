// The 2-D U-Net's layout and resampling kernels on channels-last image batches (nn's ChannelsLast,
// ChannelsFirst, SpaceToDepth, Upsample2x): each is a permutation or a copy pattern, one output value per
// thread of a grid-stride loop.
#include "common.cuh"

// permute_inner_f32: y [B, R, Q] = x [B, Q, R] transposed per example (channels-first [B, C, S] to
// channels-last [B, S, C] with Q = C, R = S, and back with Q = S, R = C).
extern "C" __global__ void permute_inner_f32(float* y, const float* x, i64 B, i64 Q, i64 R) {
	GRID_STRIDE(i, B * Q * R) {
		const i64 b = i / (Q * R), r = (i / Q) % R, q = i % Q;
		y[i] = x[(b * Q + q) * R + r];
	}
}

// space_to_depth_f32: y [B, H/2, W/2, 4C] from x [B, H, W, C], channel 4c + 2p + q of pixel (i, j) holding
// channel c of pixel (2i + p, 2j + q) (einops' 'b c (h p1) (w p2) -> b (c p1 p2) h w').
extern "C" __global__ void space_to_depth_f32(float* y, const float* x, i64 B, i64 H, i64 W, i64 C) {
	const i64 h = H / 2, w = W / 2, cc = 4 * C;
	GRID_STRIDE(i, B * h * w * cc) {
		const i64 k = i % cc, j = (i / cc) % w, r = (i / (cc * w)) % h, b = i / (cc * w * h);
		const i64 c = k / 4, p = (k / 2) % 2, q = k % 2;
		y[i] = x[((b * H + 2 * r + p) * W + 2 * j + q) * C + c];
	}
}

// upsample2x_f32: nearest-neighbour upsampling y [B, 2H, 2W, C] from x [B, H, W, C], y[b, i, j] = x[b, i/2, j/2].
extern "C" __global__ void upsample2x_f32(float* y, const float* x, i64 B, i64 H, i64 W, i64 C) {
	const i64 H2 = 2 * H, W2 = 2 * W;
	GRID_STRIDE(i, B * H2 * W2 * C) {
		const i64 c = i % C, j = (i / C) % W2, r = (i / (C * W2)) % H2, b = i / (C * W2 * H2);
		y[i] = x[((b * H + r / 2) * W + j / 2) * C + c];
	}
}
