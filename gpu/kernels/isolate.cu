// Per-example isolation of non-finite values (diffusion.RunOptions.NonFinite on the device). The batch is npts
// examples (rows) of d values; first[r] is 0 while example r is healthy, else 1 + the evaluation at which it
// first went non-finite (the executor's NFE + 1 for the final state). Both kernels are elementwise, so an
// example's verdict and its values never depend on another example's.
#include "common.cuh"

// mark_nonfinite_rows sets first[r] = mark for every healthy example r with a NaN or Inf among its values.
// Threads of one launch only ever store the same mark, and only into rows that were 0 when the launch began
// (an earlier evaluation's mark is never overwritten), so the unsynchronised read-then-store is benign.
extern "C" __global__ void mark_nonfinite_rows(const float* x, i64 npts, i64 d, i64* first, i64 mark) {
	GRID_STRIDE(i, npts * d) {
		if (!is_finite_f(x[i])) {
			const i64 r = i / d;
			if (first[r] == 0) first[r] = mark;
		}
	}
}

// fill_marked_rows sets every value of the marked examples to v: 0 for a denoiser output (the failed example's
// x0 is zero from then on, so its state stays finite and the solver's other terms stay defined), NaN for the
// final state.
extern "C" __global__ void fill_marked_rows(float* x, i64 npts, i64 d, const i64* first, double v) {
	const float f = (float)v;
	GRID_STRIDE(i, npts * d) {
		if (first[i / d] != 0) x[i] = f;
	}
}
