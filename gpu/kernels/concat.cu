// concat_channels_f32: the channel concatenation of two channels-last tensors (TemporalUnet's skip
// connections, torch.cat(dim=channels)): y [rows, ca + cb] = [a [rows, ca] | b [rows, cb]] row by row.
#include "common.cuh"

extern "C" __global__ void concat_channels_f32(float* y, const float* a, const float* b, i64 rows, i64 ca, i64 cb) {
	const i64 w = ca + cb;
	GRID_STRIDE(i, rows * w) {
		const i64 r = i / w, j = i % w;
		y[i] = j < ca ? a[r * ca + j] : b[r * cb + (j - ca)];
	}
}
