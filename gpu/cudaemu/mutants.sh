#!/usr/bin/env bash
# Checks that the emulator still catches kernel bugs: each mutant plants one bug in a copy of gpu/kernels,
# builds the emulator from it and runs the device test that must then fail (or stop). A mutant that passes is
# an error: the emulator (or the test) has gone blind to that class of bug.
#
#	gpu/cudaemu/mutants.sh GPU_TEST_BINARY     (built with: go test -c -tags cuda -o BINARY ./gpu)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Mutants run MUTANT_JOBS at a time (default: one per core; each is a single-threaded g++ build and one test),
# each in its own directory; a failed one leaves $tmp/survived. The emulator's runtime object is built once
# first, so that parallel builds never write it at the same time.
jobs=${MUTANT_JOBS:-$(nproc)}
n=0
# The unmutated kernels' object is built once too: a mutant recompiles only the file it changes and the
# kernel sources that include it (build.sh's CUDAEMU_OVERRIDE), which replace their copies at link time.
export CUDAEMU_RUNTIME_OBJ="$tmp/runtime.o" CUDAEMU_KERNELS_OBJ="$tmp/kernels.o"
bash "$here/build.sh" "$tmp/base" >/dev/null || { echo "mutants: the unmutated emulator did not build" >&2; exit 1; }
kdir=$here/../kernels
# includers FILE: the kernel sources (*.cu) that are FILE or include it, directly or through other headers.
includers() {
	local hs=" $1 " grew=1 h f
	while [ "$grew" = 1 ]; do
		grew=0
		for h in "$kdir"/*.cuh; do
			h=$(basename "$h")
			case "$hs" in *" $h "*) continue ;; esac
			for f in $hs; do
				if grep -q "#include \"$f\"" "$kdir/$h"; then hs="$hs$h " grew=1; break; fi
			done
		done
	done
	for f in "$kdir"/*.cu; do
		f=$(basename "$f")
		case "$hs" in *" $f "*) echo "$f"; continue ;; esac
		for h in $hs; do
			if grep -q "#include \"$h\"" "$kdir/$f"; then echo "$f"; break; fi
		done
	done
}
# run_mutant DIR FILE OLD NEW TEST [ENV]: replace the first OLD by NEW in FILE and expect TEST to fail.
run_mutant() {
	local d=$1
	shift
	mkdir -p "$d" && cp -r "$here/../kernels" "$d/k"
	python3 - "$d/k/$1" "$2" "$3" <<'PY' || { echo "mutants: pattern not found in $1: $2" >&2; touch "$tmp/survived"; return; }
import sys
p, old, new = sys.argv[1:4]
s = open(p).read()
if old not in s:
    sys.exit(1)
open(p, "w").write(s.replace(old, new, 1))
PY
	CUDAEMU_KERNELS="$d/k" CUDAEMU_OVERRIDE="$(includers "$1")" bash "$here/build.sh" "$d/lib" >/dev/null || { echo "mutants: $1 did not build" >&2; touch "$tmp/survived"; return; }
	if (cd "$here/.." && env ${5:-} LD_LIBRARY_PATH="$d/lib" "$bin" -test.count=1 -test.run "^$4\$" >"$d/out" 2>&1); then
		echo "mutants: SURVIVED ($4 passed): $1: '$2' -> '$3'" >&2
		touch "$tmp/survived"
	else
		echo "mutants: caught by $4: $1: $(echo "$2" | head -1) -> $(echo "$3" | head -1) ($(grep -m1 -E 'cudaemu:|--- FAIL' "$d/out" | cut -c1-100))"
	fi
	rm -rf "$d"
}
# mutant FILE OLD NEW TEST [ENV]: run_mutant in the background once a slot is free.
mutant() {
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	n=$((n + 1))
	run_mutant "$tmp/m$n" "$@" &
}
mutant gemm.cu 'cp_async_wait<GEMM_STAGES - 2>();' 'cp_async_wait<GEMM_STAGES - 1>();' TestGPUGemm
mutant gemm.cu '		cp_async_wait<GEMM_STAGES - 2>(); // tile kt has landed
		__syncthreads();' '		cp_async_wait<GEMM_STAGES - 2>(); // tile kt has landed' TestGPUGemm CUDAEMU_CP_ASYNC=eager
mutant combine.cu 'GRID_STRIDE(i, n) {' 'GRID_STRIDE(i, n + 1) {' TestGPUCombine
mutant combine_dim.cu 'if (j >= d) j -= d;' 'if (j > d) j -= d;' TestGPUCombineDim
mutant mixture.cu 'double* shrink = v + d;' 'double* shrink = v + d + 1;' TestGPUMixtureDenoiser
mutant reduce.cu '	__syncthreads();
	if (threadIdx.x == 0) {' '	if (threadIdx.x == 0) {' TestGPUStats
mutant elementwise.cu 'if (mask[j]) x[i]' 'if (mask[j + 1]) x[i]' TestGPUInpaintClipAndSeeds
mutant philox.cu 'if (i + 1 < n) dst[i + 1]' 'dst[i + 1]' TestGPUNoiseMatchesPhilox
mutant common.cuh 'for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

__device__ __forceinline__ float warp_sum_f' 'for (int o = 8; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

__device__ __forceinline__ float warp_sum_f' TestGPUStats
# Network inference (gpu.Predictor): the fused Linear's shared-memory refill without a barrier and its k-tail
# bound one long (tile_f32.cuh, shared with conv1d_f32), the TF32 epilogue's bias index shifted and its row
# groups (a window's bias row) off by one row, every point reading point 0's condition row, the time
# embedding's frequency index shifted, a wrong Mish; the convolution's zero padding one position short, the
# transposed convolution reading taps that fall between input positions, the skip concatenation reading its
# second tensor one channel late, and group norm with the unbiased variance.
mutant tile_f32.cuh '		__syncthreads(); // every thread is done' '		// every thread is done' TestGPUNetworkForwardMatchesHost
mutant tile_f32.cuh 'xs[kk][r] = (gr < m && gk < k)' 'xs[kk][r] = (gr < m && gk <= k)' TestGPUNetworkForwardMatchesHost
mutant bias_act.cu 'bias[g * n + c]' 'bias[g * n + (c + 1) % n]' TestGPUNetworkForwardMatchesHost
mutant bias_act.cu 'g = group > 0 ? r / group : 0' 'g = group > 0 ? (r + 1) / group : 0' TestGPUBiasActGroupsRows
mutant net_input.cu 'cond[b * cstride + (j - dim - tdim)]' 'cond[j - dim - tdim]' TestGPUNetworkForwardMatchesHost
mutant net_input.cu 'f = e < h ? e : e - h;' 'f = e < h ? e : e - h + 1;' TestGPUNetworkForwardMatchesHost
mutant activation.cuh 'return v * (n / (n + 2.0f));' 'return v * (n / (n + 1.0f));' TestGPUNetworkForwardMatchesHost
mutant conv1d.cu '(pos >= 0 && pos < L)' '(pos >= 0 && pos <= L)' TestGPUConv1dMatchesHost
mutant conv_transpose1d.cu 'if (q < 0 || q % stride != 0) return 0.0f;' 'if (q < 0) return 0.0f;' TestGPUConvTranspose1dMatchesHost
mutant concat.cu 'b[r * cb + (j - ca)]' 'b[r * cb + (j - ca) + 1]' TestGPUConcatChannelsInterleavesRows
mutant group_norm.cu 'block_sum_d(s, sh) / (double)n + eps' 'block_sum_d(s, sh) / (double)(n - 1) + eps' TestGPUGroupNormActMatchesHost
# The 1-D DiT's kernels (nn's Transformer): attention's online softmax without rescaling its normaliser when
# the running maximum moves, its causal mask letting each query see one key ahead, and its key tile refilled
# without a barrier; the modulated layer norm with the unbiased variance; the gated residual reading the gate
# row of the wrong example; the token embedding adding the position row of the example instead of the
# position.
mutant attention.cu '		l *= corr;' '' TestGPUAttentionMatchesHost
mutant attention.cu 'i - k0 + 1 < nk ? i - k0 + 1' 'i - k0 + 2 < nk ? i - k0 + 2' TestGPUAttentionMatchesHost
mutant attention.cu '		__syncthreads(); // every thread is done with the previous tile' '' TestGPUAttentionMatchesHost
mutant adaln.cu 'double v = s2 / (double)C - m * m;' 'double v = s2 / (double)(C - 1) - m * m;' TestGPULayerNormModulateMatchesHost
mutant adaln.cu 'mod[(r / S) * mstride + gate_off + c]' 'mod[(r % S) * mstride + gate_off + c]' TestGPUGatedAddMatchesHost
mutant tokens.cu 'pos[(r % L) * D + d]' 'pos[(r / L) * D + d]' TestGPUTokenEmbedMatchesHost
# The 2-D U-Net's layers: the 2-D convolution's zero padding one column short, space-to-depth with the two
# block offsets swapped, nearest upsampling reading the wrong column, the channel LayerNorm with the
# unbiased variance, the modulation with scale and shift swapped, and the linear attention's context read
# before every key statistic is written (no barrier) and its queries unscaled.
mutant conv2d.cu '(ii >= 0 && ii < H && jj >= 0 && jj < W)' '(ii >= 0 && ii < H && jj >= 0 && jj <= W)' TestGPUConv2dMatchesHost
mutant image.cu 'const i64 c = k / 4, p = (k / 2) % 2, q = k % 2;' 'const i64 c = k / 4, q = (k / 2) % 2, p = k % 2;' TestGPUImageLayoutsMoveEveryValue
mutant image.cu 'x[((b * H + r / 2) * W + j / 2) * C + c]' 'x[((b * H + r / 2) * W + j % W) * C + c]' TestGPUImageLayoutsMoveEveryValue
mutant norm_mod.cu 'warp_sum_d(s) / (double)C + eps' 'warp_sum_d(s) / (double)(C - 1) + eps' TestGPULayerNormRowsAndModulationMatchHost
mutant norm_mod.cu 'x[i] * (1.0f + mod[c]) + mod[C + c]' 'x[i] * (1.0f + mod[C + c]) + mod[c]' TestGPULayerNormRowsAndModulationMatchHost
mutant linattn.cu '	__syncthreads();
	for (i64 de' '	for (i64 de' TestGPULinearAttentionMatchesHost
mutant linattn.cu 'o[i] = (float)(scale * s / z);' 'o[i] = (float)(s / z);' TestGPULinearAttentionMatchesHost
# EGTN's layers (GeoTDM): the edge source index letting a node message itself, the edge Linear reading the
# receiving node's projection for the source's, the coordinate update without
# GeoTDM's +1 in its normalisation, the segment sum dropping a node's last message; the attention logits and
# the feature update reading the offset embedding psi[s, t] for psi[t, s], and the temporal coordinate update
# weighting by the receiving frame's w.
mutant egtn_graph.cu '(k < n ? k : k + 1)' '(k <= n ? k : k + 1)' TestGPUEGTNSpatialKernelsMatchHost
mutant egtn_graph.cu 'phi[e] * inv / (n + 1.0f)' 'phi[e] * inv / n' TestGPUEGTNSpatialKernelsMatchHost
mutant egtn_graph.cu 'y[j] = act_f32((int)act, (a[r * H + i] + b[s * H + i]) + c[j]);' 'y[j] = act_f32((int)act, (a[r * H + i] + b[r * H + i]) + c[j]);' TestGPUEGTNSpatialKernelsMatchHost
mutant egtn_graph.cu 'for (i64 k = 1; k < S; k++) v += p[k * C];' 'for (i64 k = 1; k + 1 < S; k++) v += p[k * C];' TestGPUEGTNSpatialKernelsMatchHost
mutant egtn_time.cu 'const float* p = psi + (t * F + s) * H;' 'const float* p = psi + (s * F + t) * H;' TestGPUEGTNTemporalKernelsMatchHost
mutant egtn_time.cu 'accp += a[s] * psi[(t * F + s) * H + i];' 'accp += a[s] * psi[(s * F + t) * H + i];' TestGPUEGTNTemporalKernelsMatchHost
mutant egtn_time.cu 'acc += a[s] * w[rs] * (xt - x[rs * D + i]);' 'acc += a[s] * w[rt] * (xt - x[rs * D + i]);' TestGPUEGTNTemporalKernelsMatchHost
# ... and a squared distance that is not rotation invariant (the sum of the components), caught by the layers'
# equivariance check.
mutant egtn_graph.cu '			q += v * v;' '			q += v;' TestGPUEGTNKernelsAreEquivariant
# EGTN's input gather reading every column from the row's first, the centre-of-mass prior dividing by one
# point too many, the centring without its division, and the learned prior's weights summed instead of
# averaged.
mutant egtn_prior.cu 'src[b * sbs + soff + p * sps + j]' 'src[b * sbs + soff + p * sps]' TestGPUEGTNPriorKernelsMatchHost
mutant egtn_prior.cu 'y[j] = m / (float)P;' 'y[j] = m / (float)(P + 1);' TestGPUEGTNPriorKernelsMatchHost
mutant egtn_prior.cu '		m /= (float)P;' '' TestGPUEGTNPriorKernelsMatchHost
mutant egtn_prior.cu '			w /= (float)H;' '' TestGPUEGTNPriorKernelsMatchHost
# Isolated failures (RunOptions.NonFinite): an example's first failing evaluation overwritten by a later
# one, a value marking the next example's row, and the failed examples' final state set to 0 instead of NaN.
mutant isolate.cu 'if (first[r] == 0) first[r] = mark;' 'first[r] = mark;' TestGPUNonFiniteExampleFailsAlone
mutant isolate.cu 'const i64 r = i / d;' 'const i64 r = (i + 1) / d;' TestGPUNonFiniteExampleFailsAlone
mutant isolate.cu 'x[i] = f;' 'x[i] = 0.0f;' TestGPUNonFiniteExampleFailsAlone
# The 3-D U-Net's kernels (nn's Unet3D, WDNO's smoke): the 3-D convolution's zero padding one frame short,
# the per-frame transposed convolution reading taps that fall between input columns, the frame/position swap
# copying instead of swapping, the rotary embedding turning by the next position's angle, and attention's
# relative position bias read transposed (key and query exchanged).
mutant video.cu '(ff >= 0 && ff < F &&' '(ff >= 0 && ff <= F &&' TestGPUConv3dMatchesHost
mutant video.cu 'qi % stride != 0 || qj % stride != 0) return 0.0f;' 'qi % stride != 0) return 0.0f;' TestGPUConvTranspose2dMatchesHost
mutant video.cu 'y[i] = x[((b * P + p) * Q + q) * C + c];' 'y[i] = x[((b * Q + q) * P + p) * C + c];' TestGPUSwapMidMovesEveryValue
mutant video.cu '(double)((float)l * freqs[i])' '(double)((float)(l + 1) * freqs[i])' TestGPURotaryTurnsQueriesAndKeys
mutant attention.cu 'bias[(h * L + i) * L + k0 + j]' 'bias[(h * L + k0 + j) * L + i]' TestGPUBiasedAttentionMatchesHost
# The TF32 tile of the convolutional networks (tile_tf32.cuh: linear_tf32, conv1d_tf32, conv_transpose1d_tf32):
# the weights staged without their TF32 rounding (the tensor cores would truncate them), and the epilogue
# reading the accumulators before every warp has stored its own (no barrier).
mutant tile_tf32.cuh 'wmma::__float_to_tf32(wt[gk * n + gc])' 'wt[gk * n + gc]' TestGPUTF32TileMatchesRoundedReference
mutant tile_tf32.cuh '		wmma::store_matrix_sync(cs + (wm * 16) * TC_LDC + wn * 32 + j * 16, acc[j], TC_LDC, wmma::mem_row_major);
	__syncthreads();' '		wmma::store_matrix_sync(cs + (wm * 16) * TC_LDC + wn * 32 + j * 16, acc[j], TC_LDC, wmma::mem_row_major);' TestGPUTF32TileMatchesRoundedReference
# The wavelet transforms (WDNO's bands on the device): the periodization analysis reading past an odd row
# instead of repeating its last value, the zero-mode synthesis one upsampled position late, the periodic
# synthesis adjoint wrapped one position early, and the adjoint built from the analysis filters (the
# transpose only for an orthogonal bank, not bior2.4's).
mutant wavelet.cu 'if (pos == n) pos = n - 1;' '' TestGPUDWTAxisMatchesPyWavelets
mutant wavelet.cu 'q = i + F - 2 - t;' 'q = i + F - 1 - t;' TestGPUDWTAxisMatchesPyWavelets
mutant wavelet.cu 'i = wavelet_wrap(2 * k + t - F / 2 + 1, 2 * m);' 'i = wavelet_wrap(2 * k + t - F / 2, 2 * m);' TestGPUIDWTAxisAdjointIsTheTranspose
mutant wavelet.cu 'const float* lo = filt + 2 * F;
	const float* hi = filt + 3 * F;
	const i64 ny = mode == WAVELET_ZERO ? 2 * m - F + 2 : 2 * m;
	GRID_STRIDE(idx, outer * m * inner) {' 'const float* lo = filt;
	const float* hi = filt + F;
	const i64 ny = mode == WAVELET_ZERO ? 2 * m - F + 2 : 2 * m;
	GRID_STRIDE(idx, outer * m * inner) {' TestGPUIDWTAxisAdjointIsTheTranspose
# WDNO's control guidance on the device: the image's band blocks read with case and field exchanged, the
# gradient's bands written into the wrong channel of their field, and the target's gradient on the frame
# before the last.
mutant wavelet_guide.cu 'const i64 c = 4 * (e % nfield) + b;' 'const i64 c = 4 * (e / nfield) + b;' TestGPUWaveletGuideGradientMatchesLayout
mutant wavelet_guide.cu 'v = bands[(c % 4) * per' 'v = bands[((c + 1) % 4) * per' TestGPUWaveletGuideGradientMatchesLayout
mutant wavelet_guide.cu 'if (frame == frames - 1) {' 'if (frame == frames - 2) {' TestGPUWaveletGuideGradientMatchesLayout
# WDNO's smoke control guidance on the device: the density's band blocks read from the next channel, the
# misfit's gradient on frame 1 instead of 0, and the gradient's bands placed in every channel's first frames
# (the channel test dropped).
mutant smoke_guide.cu 'bands[idx] = x[(((cs * ch + b) * tf' 'bands[idx] = x[(((cs * ch + b + 1) * tf' TestGPUSmokeGuideGradientMatchesLayout
mutant smoke_guide.cu 'if (t == 0 && r < gx && q < gy) {' 'if (t == 1 && r < gx && q < gy) {' TestGPUSmokeGuideGradientMatchesLayout
mutant smoke_guide.cu 'if (c < 8 && t < bt' 'if (c < 9 && t < bt' TestGPUSmokeGuideGradientMatchesLayout
mutant value_grad.cu 'in[idx] = (float)((f % 2 == 0) ? cos(a) : sin(a));' 'in[idx] = (float)((f % 2 == 0) ? sin(a) : cos(a));' TestGPUValueGradientMatchesTheBackwardPass
mutant act_grad.cuh 'return th + v * (1.0 - th * th) / (1.0 + exp(-v));' 'return th + v * (1.0 - th) / (1.0 + exp(-v));' TestGPUValueGradientMatchesCentralDifferences
mutant value_grad.cu 'GRID_STRIDE(i, n) { h[i] = act_f32((int)act, z[i]); }' 'GRID_STRIDE(i, n - 1) { h[i] = act_f32((int)act, z[i]); }' TestGPUValueGradientMatchesTheBackwardPass
mutant value_grad.cu 'if (free_[j] != 0.0f) y[idx]' 'if (free_[(j + 1) % W] != 0.0f) y[idx]' TestGPUValueGuideLeavesFixedEntriesAndEarlyTimes
# The value U-Net's GroupNorm-activation backward pass without the variance's term of the normalisation's
# Jacobian, and with one thread's partial sum in place of the block's.
mutant group_norm_grad.cu 'gx[o] = (float)(rstd * (gh - m1 - xhat * m2));' 'gx[o] = (float)(rstd * (gh - m1));' TestGPUGroupNormActGradMatchesCentralDifferences
mutant group_norm_grad.cu 'm2 = gng_block_sum(s2, sh) / (double)n;' 'm2 = s2 / (double)n;' TestGPUGroupNormActGradMatchesCentralDifferences
# The BF16 tile of the convolutional networks (tile_bf16.cuh: linear_bf16, conv*_bf16): A staged truncated to
# bfloat16 instead of rounded to nearest even, the weights rounded with ties away from zero, and the second
# m16n16k16 step of each 32-wide k slice skipped.
mutant tile_bf16.cuh '__float2bfloat16_rn((gr < m && gk < k) ? a(gr, gk) : 0.0f)' '__float2bfloat16_rn(__uint_as_float(__float_as_uint((gr < m && gk < k) ? a(gr, gk) : 0.0f) & 0xffff0000u))' TestGPUBF16TileMatchesRoundedReference
mutant tile_bf16.cuh '__float2bfloat16_rn((gk < k && gc < n) ? wt[gk * n + gc] : 0.0f)' '__float2bfloat16_rn(__uint_as_float((__float_as_uint((gk < k && gc < n) ? wt[gk * n + gc] : 0.0f) + 0x8000u) & 0xffff0000u))' TestGPUBF16TileMatchesRoundedReference
mutant tile_bf16.cuh 'for (int kk = 0; kk < BF_BK; kk += 16)' 'for (int kk = 0; kk < BF_BK; kk += 32)' TestGPUBF16TileMatchesRoundedReference
wait
[ -e "$tmp/survived" ] && exit 1
exit 0
