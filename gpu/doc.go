// Package gpu runs trajdiff's samplers on NVIDIA GPUs through the CUDA driver API (gorgonia.org/cu), behind
// the `cuda` build tag (or `trajdiff_cuda`, see Build). Without the tag the package is pure Go: Open returns ErrNoCUDA, and the host-side parts
// that need no GPU (plan compilation, the embedded kernel image and its checks) still build and are tested.
//
// # Build
//
// The kernels are CUDA C in gpu/kernels/*.cu. `go generate ./gpu/...` compiles them with nvcc (Debian
// bookworm's nvidia-cuda-toolkit 11.8) into one fatbin holding sm_80 and sm_90 machine code and compute_90 PTX
// (kernels.fatbin, embedded; kernels_gen.go records the nvcc version, the flags and a SHA-256 of every source, and
// a test fails when a source changed without regenerating). Building with `-tags cuda` then needs cuda.h and
// the libcuda.so link stub, not nvcc; the binary needs only libcuda.so.1 from the driver at run time: no cuBLAS,
// NVRTC or cuDNN (Debian's are symbol-versioned for CUDA 11 and do not load beside a newer driver's), and no
// CUDA runtime. gorgonia.org/cu's package initialiser exits the process when no GPU is present, so only files
// tagged `cuda` import it, and a cuda-tagged binary runs only on a GPU machine. gorgonia.org/gorgonia reads the
// same tag to switch on its own CUDA backend, which needs cuDNN, so a program that imports both this package
// and gorgonia (package nn, cmd/trajdiff) does not build with -tags cuda. The tag `trajdiff_cuda` enables
// exactly the same code here and nothing in gorgonia: `go build -tags trajdiff_cuda ./cmd/trajdiff` gives a CLI
// whose `solve --device gpu` uses SampleMixture. CI vets and builds the whole module with it.
//
// # Executing sampler plans
//
// A diffusion.Plan is a straight-line program over numbered buffers: denoiser evaluations, linear
// combinations x_next = sum_i c_i buf_i with coefficients computed once on the host in float64, fresh Gaussian
// noise and conditioning marks (see diffusion/plan.go). Compile turns it into a Program of kernel launches:
//
//	OpEval       Denoiser.Denoise on the executor's stream (the Gaussian-mixture kernel, or a network)
//	OpCombine    combine_f32[x4]: dst = sum_{k<8} c_k b_k, coefficients passed as double, accumulated in
//	             double and rounded once to float; longer combinations are split (dst term first)
//	OpNoise      normal_f32: Philox4x32-10 (Salmon et al. 2011) with diffusion.Philox4x32's exact counter and
//	             key layout and Box-Muller in double, so a GPU run draws the CPU's noise to float32 rounding
//	OpCondition  Conditioner.Condition (e.g. Inpaint)
//	OpCombineDim combine_dim_f32: dst_i = bias_j + sum_{k<8} c_k[j] b_k,i with j = i mod d, the per-dimension
//	             combinations of DPM-Solver-v3 (Zheng et al. 2023) broadcast over the batch; c_k = Coef_k v_k is
//	             formed on the host in float64 as the CPU executor forms it, and the sum, from the bias in the
//	             plan's term order, is accumulated in double and rounded once, as combine_f32's
//
// A Program packs every per-dimension vector of the plan into one array (Program.DimCoefs); the Executor
// uploads it to device memory once, when it is built, and each launch passes only offsets into it, so the
// steps' kernels and their captured graphs read constant device memory and no coefficient crosses the bus
// during a run. Such a plan fits only data of its dimension d: the Executor refuses a batch that is not a
// multiple of d and a denoiser of another dimension.
//
// The Executor owns the plan's float32 buffers for a batch of fixed size and runs the Program on one stream,
// either launch by launch or, with RunOptions.Graph, as one CUDA graph per sampler step captured on first use
// (cuStreamBeginCapture) and replayed, which removes the per-kernel launch cost. The seed lives in device
// memory, so graphs replay under any seed. Non-finite denoiser outputs are counted on the device per
// evaluation and reported, with their step, after the run, without a synchronisation per step.
//
// # Kernels
//
//	combine_f32, combine_f32x4   the plans' linear combinations
//	combine_dim_f32              their per-dimension combinations: a grid-stride loop whose coordinate
//	                             j = i mod d advances by the stride mod d (one division per thread), the
//	                             vectors read from the program's device copy (d doubles per term)
//	normal_f32                   counter-based Gaussian noise
//	fill, axpby, mul, clamp, silu, f32<->bf16, inpaint      elementwise
//	stats_partial/final, count_nonfinite                    deterministic reductions (sum, sum of squares, max
//	                                                        |x|, non-finite count)
//	mark_nonfinite_rows, fill_marked_rows                   per-example isolation (Isolated failures): an
//	                                                        example's first non-finite evaluation, then its
//	                                                        values set to 0 (x0) or NaN (the sample)
//	gemm_tf32_v4/_v1, gemm_bf16_v8                          C = alpha A B + beta C on the tensor cores (TF32 or
//	                                                        BF16 inputs, float32 accumulation), 128x128x32 block
//	                                                        tiles, 3-stage cp.async pipeline, any M, N, K
//	mixture_denoise_f32          the exact denoiser of a Gaussian mixture (diffusion.GaussianMixture), in
//	                             double with float32 input and output, so that every solver runs end to end
//	                             on the GPU without a trained network (Karras et al. 2024 use the same
//	                             closed form to test samplers)
//	net_input_f32                a network's input rows [s x | emb(tau) | cond or 0]: concatenation and the
//	                             sinusoidal or Fourier time embedding (see Network inference); the
//	                             condition one row for all points or one row per point (stride 0 or CondDim)
//	linear_f32                   a Linear layer y = act(x W^T + b) in exact float32, bias and activation fused
//	                             into the epilogue: 64x64 output tiles, 16-wide k slices in shared memory
//	bias_act_f32                 the bias-and-activation epilogue after a TF32 GEMM, and a per-channel bias
//	                             with one bias row per run of rows (a window's own time and condition
//	                             projection added to each of its positions)
//	conv1d_f32                   Conv1d on channels-last data as an implicit GEMM on linear_f32's tiles
//	                             (tile_f32.cuh): the tile loader gathers each output position's taps from
//	                             the input (zero outside it), so no im2col buffer exists; bias and
//	                             activation fused
//	linear_tf32, conv1d_tf32,    the same layers on the tensor cores (tile_tf32.cuh, the U-Nets' Precision
//	conv_transpose1d_tf32,       TF32): the same loaders, operands rounded to TF32 as they are staged, wmma
//	conv2d_tf32, conv3d_tf32,    m16n16k8 with float32 accumulation, the same fused epilogue
//	conv_transpose2d_tf32
//	linear_bf16, conv*_bf16      the same in BF16 (tile_bf16.cuh, Precision BFloat16): operands rounded to
//	                             bfloat16 (nearest even) as they are staged, wmma m16n16k16, 32-wide k slices
//	conv_transpose1d_f32         ConvTranspose1d the same way: each output position gathers the taps that
//	                             land on it (input position (p + pad - t dil)/stride when that divides), so
//	                             neither im2col nor a zero-stuffed input is stored
//	concat_channels_f32          the channel concatenation of two channels-last tensors (U-Net skips)
//	group_norm_act_f32           GroupNorm (Wu & He 2018) with its activation fused (TemporalUnet's
//	                             GroupNorm -> Mish): one block per (group, example), mean and centred
//	                             variance in double, reduced in a fixed order
//	group_norm_act_grad_f32      its backward pass to the input (the value U-Net's gradient): the same
//	                             statistics recomputed, gx = rstd (gh - mean gh - xhat mean(gh xhat)),
//	                             gh = gy act'(z) gamma
//	token_embed_f32              the 1-D DiT's input: each position's values through x_embed plus its row of
//	                             the learned position embedding, the input scale (c_in) applied first
//	layer_norm_mod_f32           LayerNorm without affine map fused with adaLN's modulation (Peebles & Xie
//	                             2023), y = LN(x) (1 + scale) + shift with one modulation row per window or
//	                             one for the batch: one warp per row, statistics in double as nn's
//	gated_add_f32                adaLN-Zero's gated residual x += gate z
//	attention_f32                multi-head self-attention softmax(Q K^T / sqrt(d)) V on packed qkv, causal
//	                             or not, with an online softmax over key tiles in shared memory (Milakov &
//	                             Gimelshein 2018; Dao et al. 2022): one thread per query keeps the running
//	                             maximum, normaliser and output, so no L x L score matrix is ever stored;
//	                             float32 on the CUDA cores, the query and accumulator in local memory
//	                             (ptxas: a 1152-byte stack frame at head width 128): correct, not yet tuned
//	conv2d_f32                   Conv2d (dilation 1) on channels-last images as an implicit GEMM on
//	                             linear_f32's tiles: the loader gathers each output pixel's k x k x in taps
//	                             (zero outside the image); bias and activation fused
//	permute_inner_f32            [B, Q, R] -> [B, R, Q] per example: channels-first images to channels-last
//	                             and back
//	space_to_depth_f32           [B, H, W, C] -> [B, H/2, W/2, 4C], channel 4c + 2p + q from pixel
//	                             (2i + p, 2j + q) (lucidrains' Downsample before its 1x1 convolution)
//	upsample2x_f32               nearest-neighbour x2 upsampling of channels-last images
//	layer_norm_rows_f32          lucidrains' channel LayerNorm (gain, no bias) of each pixel's channels:
//	                             one warp per row, mean and centred variance in double
//	modulate_act_f32             a ResnetBlock's time conditioning act(x (1 + scale) + shift), [scale | shift]
//	                             one row for the batch
//	linattn_context_f32          linear attention, per (example, head): keys softmaxed over positions
//	                             (statistics in shared memory, double sums), context K^T V
//	linattn_out_f32              linear attention's output Dh^-1/2 softmax_features(q) context
//	edge_geom_f32                EGTN's edge geometry (GeoTDM, Han et al. 2024): dx_e = x_r - x_j and |dx_e|^2
//	                             per edge of each frame's complete graph (node rows r, edge rows r (N-1) + k)
//	edge_combine_act_f32         the edge MLP's first Linear from node-level products, act(a_r + b_j + c_e)
//	segment_sum_f32              a node's N-1 messages summed in edge order by one thread (no atomics, so the
//	                             bits never depend on the schedule), into some columns of wider rows
//	edge_coord_update_f32        EGNN's coordinate update with GeoTDM's normalisation,
//	                             x_r + (1/(N-1)) sum_e dx_e phi_e / (sqrt(|dx_e|^2 + 1e-8) + 1)
//	rel_attn_weights_f32         EGTN's temporal attention per node over its frames,
//	                             softmax_s(q_t . (k_s + psi_ts)) (one head, unscaled; the softmax in double)
//	rel_attn_apply_f32           the attention's feature update h_t + sum_s A_ts (v_s + psi_ts)
//	temporal_coord_f32           the temporal coordinate update x_t + sum_s A_ts w_s (x_t - x_s)
//
// # Network inference
//
// Predictor evaluates a trained network on the device as a Denoiser, so the whole sampler runs there: the
// state never leaves the device between steps, and a step captured into a CUDA graph holds the network's
// launches with the solver's. NewPredictor uploads the parameters once (float32, each Linear weight
// transposed to [in, out], one allocation) and allocates the activations once for a batch of up to
// MaxPoints points; Denoise then only enqueues kernels, nothing is allocated or copied per step.
//
// What runs today is nn's "mlp" architecture (MLP; gpu/fromnn reads an nn network or a train checkpoint
// into it): h_0 = [x | emb(t) | keep cond], h_{i+1} = act(W_i h_i + b_i), F = W_L h_L + b_L, with mish,
// silu, gelu (exact erf form), relu or identity; sinusoidal (Vaswani et al. 2017) or random Fourier
// (Tancik et al. 2020) time embeddings evaluated with nn's float32 rounding of the argument; a conditional
// network without its condition (keep = 0, nn.Predictor.Predict), with one fixed condition
// (PredictorOptions.Cond) or with one condition row per point (PredictorOptions.PointConds; net_input_f32
// reads row b for point b). A Denoise is 2 + L launches: net_input_f32, one per layer, and one combine that
// converts the output to x0 with the checkpoint's parameterization, D(x, t) = p x + q F(s x, tau)
// (Parameterization.Affine): for a network predicting eps, score, v or velocity s = 1, tau = t and (p, q)
// are diffusion.ConversionCoefficients; for EDM's preconditioning (Karras et al. 2022, Table 1) s = c_in,
// tau = c_noise, p = c_skip, q = c_out, all computed on the host in float64 per launch.
//
// nn's "temporal_unet" (Diffuser's TemporalUnet, TemporalUnet; NewUnetPredictor) runs too, in FP32, TF32 or BF16;
// a conditional one (Decision Diffuser's returns MLP) runs without its condition, with one fixed condition,
// or with one row per window: then the returns MLP runs on the window rows, memb_i = [Mish(emb(t)) |
// Mish(cond_mlp(c_i))] is formed per window (the one time row broadcast, ConcatChannels) and each block's
// projection is a [windows, out] matrix whose row i bias_act_f32 adds to window i's positions. Its layers are Stream methods: Conv1d and ConvTranspose1d as implicit GEMMs on linear_f32's
// tiles (weight [Kernel*In, Out]: nn's tap-major weight transposed, Conv1dDeviceWeight,
// ConvTranspose1dDeviceWeight), GroupNormAct and ConcatChannels. The time MLP runs on one row (every point
// of a batch shares t) and each residual block's time projection becomes a per-channel bias added with
// bias_act_f32; the activations live in five work buffers and one skip buffer per resolution, sized once
// for MaxPoints windows. One evaluation of a two-resolution U-Net is 71 launches, all captured with the
// step. Against nn's CPU predictor the outputs agree to 1.7e-6 on random networks and 5.4e-7 on a trained
// one (tolerance 1e-5), and a 10-NFE DPM-Solver++(2M) run matches the CPU's to relative RMS 1.7e-7. Not yet
// on the device: EGTN and the 3-D U-Net (gpu/fromnn refuses them with an error naming the architecture).
//
// nn's "transformer", the 1-D DiT (Peebles & Xie 2023 on sequences; Transformer, NewTransformerPredictor),
// runs in FP32 only: h = x W_x^T + b_x + pos (TokenEmbed), c = t_embed(t) + keep cond_embed(cond), and per
// block mod = Linear(SiLU(c)) = [shift1 | scale1 | gate1 | shift2 | scale2 | gate2], h += gate1
// proj(attn(qkv(LN(h)(1 + scale1) + shift1))), h += gate2 fc2(GELU(fc1(LN(h)(1 + scale2) + shift2))), then
// the final modulated LayerNorm and Linear. The conditioning path (time MLP, condition embedding, every
// block's modulation) runs on one row for the batch, or on one row per window with per-window conditions,
// and LayerNormModulate and GatedAdd read row e of the modulations for window e (Modulation.Stride); the
// Linears are linear_f32 (GELU fused into fc1's epilogue) and Attention is attention_f32 (head width at most
// 128). A Denoise is 10 Depth + 10 launches, all captured with the step; the activations are four buffers
// of [MaxPoints Length, width] sized once. Against nn's CPU predictor (measured on the emulator; tolerance
// 1e-5): 9.5e-7 on random networks (including a causal one of length 70, which spans two query blocks and
// three key tiles), 3.3e-6 with fixed and per-window conditions and guidance, 2.4e-7 on a trained
// checkpoint, whose 10-NFE DPM-Solver++(2M) run matches diffusion.Sample to relative RMS 2.1e-7 (largest
// difference 4.7e-5) with graph replay bit for bit.
//
// nn's "unet2d" (WDNO's 2-D U-Net, Hu et al. 2025; Unet2D, NewUnet2DPredictor) runs in FP32, TF32 or BF16,
// unconditional (WDNO conditions by inpainting): the input permuted to channels-last once and the output
// back; 3x3 and 7x7 convolutions as conv2d_f32, the 1x1 ones (qkv and output projections, the downsampling after
// space-to-depth, the residual and final convolutions) as linear_f32 on the pixels; each ResnetBlock is
// conv -> GroupNorm -> modulate_act (SiLU) -> conv -> GroupNorm with SiLU -> residual combine; each attention
// block is layer_norm_rows -> qkv -> linear attention (two kernels) or full attention (attention_f32, the
// DiT's) -> output projection
// (-> layer_norm_rows for the linear one) -> residual combine; the time MLP (sinusoidal, Linear + GELU,
// Linear + SiLU) and every block's [scale | shift] projection run on one row. Activations live in six work
// buffers, two skips per resolution and the initial features, sized once for MaxPoints images. Against
// nn's CPU predictor the outputs agree to 1.3e-6 on random networks and 4.8e-7 on a trained one (tolerance
// 1e-5), and a 10-NFE DPM-Solver++(2M) run matches the CPU's to relative RMS 2.1e-7 (136 graph nodes per
// step for two resolutions).
//
// nn's "unet3d" (WDNO's smoke denoiser, Hu et al. 2025: video-diffusion-pytorch's Unet3D_with_Conv3D after Ho
// et al. 2022; Unet3D, NewUnet3DPredictor) runs in FP32, TF32 or BF16, unconditional, on videos [B, C, F, H, W]
// permuted to channels-last [B, F, H, W, C] once: the k^3 initial and 3^3 block convolutions as conv3d_f32 (an implicit
// GEMM gathering y = sum_{s,u,v,c} x[f - p + s, i - p + u, j - p + v, c] w[((s k + u) k + v) C + c, o], no
// im2col), GroupNorm over frames x positions (group_norm_act_f32 with S = F H W), the downsampler as conv2d_f32
// on the B F frames (4x4, stride 2, padding 1) and the upsampler as conv_transpose2d_f32 (PyTorch's
// ConvTranspose2d gathered per output pixel: taps with (i + pad - u) mod stride != 0 read zero); the spatial
// linear attention per frame is the 2-D U-Net's two kernels without the output LayerNorm, the middle's full
// attention attention_f32 per frame; the temporal attention moves frames next to the channels (swap_mid_f32,
// [B, F, P, C] -> [B, P, F, C]), turns queries and keys by rotary embeddings of the frame index (rotary_f32:
// pairs (2i, 2i+1) by the angle l theta_i, theta_i = 10000^(-2i/R), Su et al. 2021) and runs
// attention_bias_f32, the online softmax of attention_f32 with the T5 relative position bias (Raffel et al.
// 2020; bias[h, i, j] = table[bucket(j - i), h], formed once on the host at upload) added to each logit, then
// swaps back; its one sequence per pixel may exceed the grid's 65535, so it launches in chunks. Against nn's
// CPU predictor on the emulator (tolerance 1e-5): 3.3e-6 on random networks (two resolutions with a 3^3
// initial convolution, three with 7^3, one without attentions) and 1.3e-6 on a trained one, whose 10-NFE
// DPM-Solver++(2M) run matches the CPU's to relative RMS 2.7e-7 (171 graph nodes per step); nothing of it has
// run on a GPU yet.
//
// nn's "egtn" (GeoTDM's equivariant geometric trajectory network, Han et al. 2024; EGTN, NewEGTNPredictor)
// runs in FP32 with its condition row per example (PointConds: the condition frames, node features and edge
// attributes of geometric data) or shared (Cond); it has no condition dropout, so no guidance. The node rows
// of the F = Tc + Tf frames (condition frames, then x_in) and the edge attributes are gathered by
// tile_rows_f32; the step embedding is net_input_f32's sinusoidal embedding of float32(TimeScale) t; every
// spatial layer is edge_geom_f32 -> the edge Linear as three products (W_i h + b and W_j h on node rows,
// W_e [|dx|^2, e] on edge rows; linear_f32) -> edge_combine_act_f32 -> Linear + SiLU -> segment_sum_f32 into
// [h | m] -> the node MLP, and the coordinate MLP -> edge_coord_update_f32; every temporal layer is the
// offset embedding's Linear (the sinusoidal offsets uploaded once) -> the q, k, v and x MLPs ->
// rel_attn_weights_f32 -> rel_attn_apply_f32 and temporal_coord_f32. The priors: com is centroid_f32, learned
// runs the prior network's layers on the condition frames and convex_frame_mix_f32, both mixed in as
// x_in = xs x + (1 - alpha(t)) x_r (axpby, alpha of float32 t as nn evaluates it); none without condition
// frames centres input and output (center_f32); prior_output adds A(t) x_r. Every sum over a node's edges
// or frames runs in a fixed order in one thread (no atomics), so the result does not depend on the
// schedule. Against nn's CPU predictor (measured on the emulator; tolerance 1e-5): 2.4e-6 on random networks
// of every prior, with per-example conditions (gpu/fromnn TestGPUEGTNMatchesNNPredictor), 1.2e-6 on a
// trained one with the learned prior, whose 10-NFE DPM-Solver++(2M) run matches diffusion.Sample with its
// CPU denoiser to relative RMS 3.4e-7 (largest difference 8.4e-6) with graph replay bit for bit (95 graph
// nodes per step; TestGPUTrainedEGTNMatchesCPU); rotating and translating the condition frames and the
// noisy state (by alpha(t) c around a prior) rotates the output to 4e-7 of its scale
// (TestGPUEGTNIsEquivariantOnTheDevice).
//
// Classifier-free guidance (Ho & Salimans 2022; PredictorOptions.Guidance = w > 0, for either network and
// either kind of condition) is evaluated as train.Model.Sample evaluates it: two passes over the batch per
// Denoise, out_c with the condition and out_u without it (keep = 0, the unconditional model condition
// dropout trains), combined in the network's parameterisation, F = out_c + (w - 1)(out_c - out_u), which is
// exact for every parameterisation because x0 is affine in F with the same coefficients for both passes. The
// combination and the conversion to x0 are one combine_f32, D = p x + q w out_c - q (w - 1) out_u, summed
// in double and rounded once; both passes and the combine are captured with the step.
//
// Precision. FP32 (the default) computes every Linear in float32 on the CUDA cores (linear_f32, one fused
// multiply-add per product in k order): against nn's float32 CPU predictor the outputs (of size O(1)) agree
// to 2.4e-7 at worst (measured on the emulator, tolerance 1e-5), and a 10-NFE sampler on a trained
// checkpoint matches diffusion.Sample to relative RMS 1.6e-7 (tolerance 1e-5). TF32 runs the products on the
// tensor cores (GemmTF32, inputs rounded to 10-bit mantissas, relative 2^-11) with bias_act_f32 after it:
// the forward pass differs from nn by 3.8e-4 (tolerance 5e-3), but an eps-predicting network's error is
// divided by alpha in the conversion to x0 at the noisy end of the schedule, and the 10-NFE samples differ
// from the CPU's by relative RMS 6.6e-4, max 7.2e-2 (tolerance 5e-3, 0.3). That is too loose to call the
// samples the CPU's, so FP32 is the default and TF32 an option for wide layers where speed matters more.
//
// TF32 convolutions. The U-Nets' predictors (TemporalUnet, Unet2D, Unet3D) in TF32 run every convolution,
// transposed convolution and Linear layer (time MLP, projections, 1x1 convolutions, attention projections)
// on tile_gemm_tf32 (kernels/tile_tf32.cuh): the implicit GEMM of the FP32 path with the same loaders, so no
// im2col buffer exists in global memory either, but each 16-wide k slice of A and W is rounded to TF32 as it
// is staged in shared memory (round to nearest, ties away from zero, cvt.rna.tf32.f32) and the 64x64 output
// tile is eight warps' m16n16k8 wmma products with float32 accumulation, then the fused bias-and-activation
// epilogue. Products of TF32 values are exact in float32, so y = act(b + sum_k tf32(a_k) tf32(w_k)) up to the
// k + 1 roundings of the sum: the kernels match that float64 sum within (k + 1) 2^-23 (|b| + sum |tf32(a_k)
// tf32(w_k)|) (Higham 2002, eq. 3.5; measured at most 0.11 of it on the emulator, worst 2.7e-6 absolute on
// random O(1) inputs, TestGPUTF32TileMatchesRoundedReference). GroupNorm and the other norms, the attention
// kernels, the time embedding, the layout changes and the conversion to x0 stay float32. The network's error
// grows with its depth: each layer's relative error (about 2^-11 sqrt 2) survives the norms that restore the
// activations' scale, so over the about 30 layers of a three-resolution U-Net they add like a random walk,
// sqrt(30) 2^-11 sqrt 2 = 3.8e-3 of an O(1) output. Measured on the emulator against nn's CPU predictor on
// random networks (worst 5.7e-3 TemporalUnet, 2.9e-3 Unet2D, 3.1e-3 Unet3D) and trained ones (1.1e-3, 8.5e-4,
// 1.5e-3), tolerance 3e-2; 10-NFE DPM-Solver++(2M) runs on the trained ones match the CPU's to relative RMS
// 2.2e-4 / 2.7e-4 / 3.1e-4, max 8.1e-2 / 1.0e-1 / 2.1e-1 (the MLP's TF32 sampler tolerance, 5e-3 and 0.3).
// The 1-D DiT and EGTN run in FP32 only and refuse TF32 with an error. Nothing here has been timed on a GPU
// yet: gpu/check.sh prints the TemporalUnet's TF32 forward latency next to the FP32 one
// (TestGPUNetworkTimings, BenchmarkTemporalUnetForwardGPU).
//
// BF16 convolutions. Precision BFloat16 runs the same layers of the same networks (and an MLP's Linear
// layers, as linear_bf16 with its epilogue fused) on tile_gemm_bf16 (kernels/tile_bf16.cuh): TF32's implicit
// GEMM with A and W rounded to bfloat16 (8 significant bits, round to nearest, ties to even:
// __float2bfloat16_rn) as each 32-wide k slice is staged, wmma m16n16k16 on __nv_bfloat16 fragments, float32
// accumulation and the fused epilogue. A product of two BF16 values has at most 16 significant bits, so it is
// exact in float32 and the kernels meet TF32's bound against the float64 sum of bf16-rounded operands
// (measured at most 0.09 of it, worst 1.3e-6 absolute; TestGPUBF16TileMatchesRoundedReference, whose ties
// tell nearest-even from truncation and from ties away). The price is the operand rounding: bfloat16's unit
// roundoff is 2^-8 against TF32's 2^-11, so each layer's relative error, about 2^-8 sqrt 2 = 5.5e-3, and
// its random walk through the about 30 layers of a three-resolution U-Net, sqrt(30) 2^-8 sqrt 2 = 3.0e-2 of
// an O(1) output, are 8 times TF32's, and so are the tolerances: 4e-2 for an MLP's forward pass, 0.2 for
// the U-Nets' (8 x 3e-2 rounded down), 4e-2 relative RMS and 2.4 largest difference for a 10-NFE sampler
// run. Measured on the emulator against nn's CPU predictor: random networks 2.7e-3 (MLPs), 3.5e-2
// TemporalUnet, 1.8e-2 Unet2D, 2.5e-2 Unet3D (6 to 8 times TF32's), trained ones 1.0e-2 / 6.6e-3 / 1.1e-2;
// 10-NFE DPM-Solver++(2M) runs on the trained ones match the CPU's to relative RMS 1.9e-3 / 1.9e-3 / 2.3e-3,
// max 0.87 / 0.72 / 1.2 (the MLP's 5.1e-3, 0.93). A largest difference near 1 on samples of size O(1) is
// what the eps-to-x0 division at the noisy end makes of bfloat16's rounding: BF16 is for throughput where
// samples only need to be statistically alike, not the CPU's. The 1-D DiT and EGTN refuse BF16 as they
// refuse TF32. Not run on a GPU: gpu/check.sh prints the TemporalUnet's BF16 forward latency next to FP32's
// and TF32's.
//
// Sampling a trained model. gpu/fromnn.Sample runs a train.Model's whole sampling request on the device,
// as `trajdiff sample --device gpu` does: the request is prepared on the host exactly as Model.Sample
// prepares it (train.Model.SamplingProblem: the solver's plan, the initial noise x_T in training units, the
// fixed entries normalised, the condition vector), then the weights, the state, the fixed entries (Inpaint
// with one row of values per window, so each plan's start and goal differ) and the condition are uploaded
// once; each step replays a CUDA graph holding the network, the inpainting after the step (OpCondition) and
// the clamp of the x0-predictions to [-1, 1] (ClipX0, diffusion.ClipX0's equivalent); only the final state
// comes back and is unnormalised on the host. The samples are the CPU's to float32 accuracy (measured on the
// emulator: relative RMS 9.7e-8, largest difference 6.0e-7 in data units against Model.Sample, tolerance
// 1e-5 and 1e-3), and the fixed entries come back bit for bit as the CPU's (x_fixed = unnorm(float32(norm
// v))). A conditional network's conditioning entries may differ per window (PointConds, one row per
// window; identical rows use the one-row path); guidance (SampleRequest.Guidance) runs the two passes
// above; a warm start (SampleRequest.Init at StartTime, with or without Renoise, train/warmstart.go) starts
// from the initial state and the plan on the cut time grid that the host prepares exactly as Model.Sample
// does (train.Model.WarmSamplingProblem). Measured on the emulator against Model.Sample on trained
// conditional MLPs and TemporalUnets with condition dropout: relative RMS 2.1e-7, largest difference 7.6e-5
// in data units over per-window conditions, guidance and warm starts (tolerance 1e-5 and 1e-3), and the
// forward passes with per-window rows and guidance against nn 4.8e-6 (tolerance 1e-5). Isolated failures
// (SampleRequest.IsolateFailures) run as on the CPU (Isolated failures, below). gpu/fromnn.Sampler keeps
// the device open across requests, and `trajdiff plan evaluate --device gpu` samples Diffuser's (endpoint
// conditions, inpainting) and Decision Diffuser's plans (returns condition, guidance, RTI warm starts) with
// it; on the emulator they match the CPU planners' plans and executed paths to 2.4e-7 in maze units
// (cmd/trajdiff TestPlanEvaluateGPUMatchesCPU, tolerance 1e-3). The Sampler keeps the uploaded network,
// the executor with its captured step graphs and the fixed entries' buffer from one request to the next of
// the same shape (same checkpoint, windows, precision, guidance and condition values; same plan; same mask),
// copying only the new state and fixed values in, so a replanning planner's later plans skip the upload and
// the capture; its samples are bit for bit a fresh Sample's. Sampler.RunPlan runs pde/wdno's loop (known
// entries set after each step and in each x0 prediction, InpaintX0), which `trajdiff pde evaluate --device
// gpu` injects into wdno.Generate; on the emulator a WDNO 2-D U-Net's per-case MSEs match the CPU run's to
// 4.2e-8 relative (cmd/trajdiff TestPDEEvaluateGPUMatchesCPU, tolerance 1e-3).
//
// Errors. NewPredictor refuses malformed networks (shapes, non-finite parameters), unknown parameterizations
// or precisions, a batch beyond the launch limits and allocation failures (out of memory) with errors;
// Denoise refuses batches larger than the predictor was sized for, ragged batches and times where the
// parameterization is undefined (e.g. eps at sigma = 0). In a build without GPU support NewPredictor,
// NewUnetPredictor, NewTransformerPredictor, NewUnet2DPredictor, NewUnet3DPredictor, NewEGTNPredictor and SampleNetwork return
// ErrNoCUDA, and so does a HostDenoiser's Denoise.
//
// Isolated failures. RunOptions.NonFinite makes one diverging example (a NaN or Inf in its corrected
// denoiser output, or in its final state) fail alone, with the contract of diffusion.RunOptions.NonFinite
// on the CPU: for a batch of B examples of d values the executor keeps one int64 m_j per example, 0 while
// example j is healthy. After every evaluation e (1-based) mark_nonfinite_rows sets m_j = e for each
// healthy j with a non-finite value in its output row, then fill_marked_rows sets the rows of every
// marked example to 0, so that its state x stays finite and every solver term stays defined; after the last
// step the state is marked with e = NFE + 1 and the marked rows set to NaN. Both kernels are elementwise and
// every kernel of a plan and of the networks acts on each example alone (a GEMM row, a window's
// convolutions and attention, a graph's edges), so the healthy examples' samples are bit for bit those of a
// run without the failing one. The marks live on the device and are read once with the sample, so the
// steps still replay as CUDA graphs (captured per isolation mode); NonFinite(j, t) is then called once per
// failed example in the CPU's order (by first evaluation, then by example; t = 0 for the final state).
// gpu/fromnn's Sample and Sampler honour SampleRequest.IsolateFailures with it (Samples.Failed, NaN
// windows) and PlanProblem.NonFinite passes it through; `trajdiff geometry forecast|evaluate|generate
// --device gpu` therefore records a diverged system and scores the others as the CPU run does, instead of
// failing its network batch. A predictor's condition may hold ±Inf for this reason: a finite host value
// beyond float32's range, which nn's float32 CPU predictor reads as ±Inf too (NaN is refused). Checked on
// the emulator: TestGPUNonFiniteExampleFailsAlone (the 64-D mixture with a NaN output row, one Inf output
// value, an Inf planted in the state before a later evaluation and one in the final state: the CPU
// executor's reports and times, NaN rows, the others bit for bit; launches and graphs), gpu/fromnn
// TestGPUDivergingWindowFailsAlone (a trained MLP whose first layer overflows for one window's condition,
// against Model.Sample) and TestGPUDivergingExampleOfAPlanFailsAlone (RunPlan, against diffusion.Sample),
// and cmd/trajdiff TestGeometryGPUIsolatesADivergedSystem; mutants.sh plants three bugs in the two kernels
// (a later evaluation overwriting the first mark, a value marking the next example, the sample's rows set
// to 0 instead of NaN) that TestGPUNonFiniteExampleFailsAlone catches. pde/wdno's DeviceProblem.NonFinite
// passes it through too, so `trajdiff pde evaluate|generate|estimate --device gpu` records a diverged case
// and keeps the others as the CPU does.
//
// Host loops. Some samplers must return to the host every step: an inference-time search whose candidates
// the CPU scores (pde/wdno's search by control cost re-simulates each candidate's control; rl/diffuser's
// particle search measures each plan's wall crossings and jumps). For them
// HostDenoiser wraps a device Denoiser as a diffusion.Denoiser on host slices: each call converts the batch
// to float32, uploads it, enqueues the denoiser and downloads D(x, t), in chunks of at most its MaxPoints
// points (its stream and two buffers allocated once), so the network runs on the device while the loop,
// the guidance and the scoring stay on the CPU. It computes bit for bit what its Predictor computes on device
// buffers (TestGPUHostDenoiserServesAnyBatch, batches within and beyond its points, in place too);
// gpu/fromnn's Sampler.Denoiser builds one for a checkpoint, and Sampler.NetworkDenoiser for a request's
// condition and guidance.
//
// # Wavelet transforms
//
// WDNO (pde/wdno) represents its fields by one level of PyWavelets' DWT; kernels/wavelet.cu computes it on
// the device along one axis of a row-major [outer, n, inner] tensor, for modes periodization and zero, with
// the filter bank uploaded from package wavelet's tables (NewWaveletBank: dec_lo, dec_hi, rec_lo, rec_hi in
// float32). dwt_axis_f32 is pywt.dwt, a[k] = sum_j dec_lo[j] x[2k + 1 - j] (zero; x = 0 outside the signal)
// or x[(2k + F/2 - j) mod P] (periodization; an odd signal padded with its last value to even length P),
// m = floor((n + F - 1)/2) or ceil(n/2) coefficients; idwt_axis_f32 is pywt.idwt, the transposed
// convolution of the upsampled bands with rec_lo, rec_hi, cropped by F - 2 (zero) or wrapped modulo 2m
// (periodization); idwt_axis_f32's adjoint, idwt_axis_adjoint_f32, is what the guidance's gradient through
// the decoder needs: for a biorthogonal bank (WDNO's bior2.4, bior1.3) it differs from the analysis. One
// thread computes one output from its F taps in float32 (WDNO's tensors are small). Stream.DWTN, IDWTN and
// IDWTNAdjoint chain them over every axis of a batch of 1-D to 3-D tensors (pywt.dwtn's band keys, the
// synthesis from the last axis as pywt.idwtn), through caller-provided scratch so that they can be captured.
// The emulator tests compare every kernel with package wavelet (PyWavelets-exact) within the float32 bound
// F 2^-23 sum_j |h_j| max|x| and check <S a, g> = <a, S^T g>. WaveletControlGuide is pde/wdno's control
// guidance for its 1-D wavelet layout as an X0Corrector (wdno.Model.DeviceGuidance gives its numbers): fix
// x0, x0 -= step(t) dJ/dx0, fix, where dJ/dx0 = D^T grad J(D x0) with D the layout's decoder (the band blocks
// times their scales, wavelet_bands_from_image_f32; IDWTN) and J = mean (u(0) - u0)^2 + mean (u(T) - u*)^2 +
// w sum f^2 (control_gradient_f32, in double); D^T is IDWTNAdjoint and wavelet_image_from_bands_f32. It only
// launches kernels into preallocated buffers, so the executor captures it in its step graphs; gpu/fromnn
// makes one per guided pde/wdno problem (PlanProblem.Guidance, `trajdiff pde evaluate --device gpu`).
// SmokeControlGuide does the same for smoke control on pde/wdno's 42-channel smoke wavelet layout
// (wdno.Model.DeviceSmokeGuidance; PlanProblem.SmokeGuidance): J = -s(T-1) + 0.1 mean (d(0) - d0*)^2 has
// dJ/dx0 = l + D^T grad J_d(D x0), l the constant gradient of the linear term (computed once on the host by
// the layout's DecodeAdjoint) and D the density's decoder: its eight band blocks times their scales
// (smoke_bands_from_image_f32, handed to IDWTN in its band order), the 3-D IDWTN over (t, x, y), frame 0's
// misfit gradient (smoke_d0_gradient_f32, in double), IDWTNAdjoint and smoke_image_from_bands_f32 (adds l).
//
// ValueGuide is rl/diffuser's value guidance with an MLP value model J(x_t, t) as an X0Corrector: y_0 = x,
// y_{k+1} = y_k + lambda sigma(t)^2 dJ/dx(y_k, t) on the free window entries (value_step_f32), x0 += (y_n -
// x)/alpha(t); ValueGradient evaluates J and dJ/dx by the network's forward pass (value_input_f32 writes the
// window and its cos/sin time features, linear_f32 with W^T, value_act_f32) and its backward pass
// g_{l-1} = (g_l W_l) act'(z_{l-1}) (linear_f32 with W itself, act_grad_f32), batched over the windows.
// With Diffuser's own value model (ValueUnet, nn's temporal_value) ValueUnetGradient does: the TemporalUnet's
// down-path kernels forward, keeping each block's convolution outputs before GroupNorm, then back through
// group_norm_act_grad_f32, each Conv1d's input gradient as conv_transpose1d_f32 with the same taps (output
// padding 1 where a stride-2 downsampling halved an even length) and the head's Linear layers; flatten and
// the head's time-embedding columns cost nothing (permuted weight columns, a per-t bias).
//
// # Verification
//
// Without a GPU, the tests check what can be checked on the host: the plan compiler against the CPU executor
// (an emulation of the launches reproduces diffusion.Executor for every solver and process, DPM-Solver-v3 of
// every order on exact and estimated statistics included, and the per-dimension kernel's incremental
// coordinate is i mod d for any grid), the noise kernel's
// arithmetic (a Go transcription of normal_f32 reproduces Philox4x32.NormalPair bit for bit), the GEMM tiling
// (a Go emulation of the block/warp/pipeline index maps computes exact products for ragged shapes and never
// reads a stale or unwritten shared-memory slot), the mixture kernel's arithmetic against the float64
// denoiser, the single affine form of the network denoiser against diffusion.FromPrediction and
// diffusion.EDMPrecond, the float32 agreement the device can reach (every solver emulated in float32 against the float64
// executor), and the embedded fatbin (architectures, kernel symbols, source hashes). CI also runs the
// cuda-tagged test binary itself, the device tests included, on gpu/cudaemu: a CPU emulation of libcuda.so.1
// that executes the kernels' own sources compiled for the host (fibers per thread, barriers, shuffles, wmma,
// cp.async) and checks launch limits, device pointers, overruns, alignment and capture rules
// (gpu/cudaemu/README.md). That exercises the host code and the kernel sources end to end but says nothing
// of nvcc's code or of timings. On a GPU machine,
// gpu/check.sh runs the prebuilt cuda test binary: every solver (DPM-Solver-v3 of orders 1 to 3 with
// statistics estimated from the mixture's denoiser included) on the GPU against the CPU on the 64-D mixture,
// GEMM against a CPU product, and the timings (docs/benchmarks.md, section GPU, says how).
//
// The network path (Network inference) adds, run by CI on the emulator: the forward pass against a float64
// host evaluation of the same MLP, every activation, both time embeddings, ragged widths and both
// precisions (TestGPUNetworkForwardMatchesHost); the device conversion to x0 for every parameterization and
// in place; 10-NFE samplers with the network against diffusion.Sample and graph replay bit for bit
// (TestGPUNetworkSamplerMatchesCPU); and, in gpu/fromnn (built with trajdiff_cuda), the forward pass against
// nn's CPU predictor on random networks and on a tiny MLP trained with package train, whose 10-NFE samplers
// match the CPU's (TestGPUForwardMatchesNNPredictor, TestGPUTrainedMLPMatchesCPU), and trained models'
// whole sampling requests (per-window inpainting, x0 clipping, a condition; TestGPUSampleMatchesModelSample)
// and `trajdiff sample --device gpu` (cmd/trajdiff TestSampleGPUMatchesCPU) against the CPU; per-window
// conditions and guidance against nn and the float64 host MLP (TestGPUPerWindowConditionsAndGuidanceMatchNN,
// TestGPUNetworkForwardMatchesHost), a guided per-window TemporalUnet's 10-NFE sampler against the CPU with
// graph replay bit for bit (TestGPUGuidedPerWindowSamplerReplaysBitForBit: relative RMS 3.1e-7), and
// requests with them and with warm starts against Model.Sample
// (TestGPUSampleConditionsGuidanceAndWarmStartsMatchModelSample). gpu/cudaemu/mutants.sh
// plants a bug in each of the network kernels (the per-point condition row and the per-window bias row
// among them: TestGPUBiasActGroupsRows) and requires the forward test (the layer tests for
// conv1d_f32, conv_transpose1d_f32, concat_channels_f32 and group_norm_act_f32, which also run against nn's
// layers in gpu/fromnn) to catch it; gpu/fromnn also checks whole TemporalUnets against nn's predictor and a
// trained one's sampler against the CPU. The 1-D DiT's kernels are checked against float64 host
// transcriptions (TestGPUAttentionMatchesHost: several tiles and query blocks, causal, logits large enough
// that the running maximum moves between tiles, worst 1.7e-6; TestGPULayerNormModulateMatchesHost 8.2e-7;
// TestGPUGatedAddMatchesHost, TestGPUTokenEmbedMatchesHost), mutants.sh plants six bugs in them (the online
// softmax's rescaling dropped, the causal mask one key late, a tile refill without a barrier, the unbiased
// variance, the wrong example's gate row, the example's position row) and requires these tests to catch
// them, and gpu/fromnn checks whole Transformers against nn (TestGPUTransformerMatchesNNPredictor,
// TestGPUConditionalTransformerMatchesNN, TestGPUTrainedTransformerMatchesCPU) and cmd/trajdiff `sample
// --device gpu` of a transformer checkpoint against the CPU (TestSampleGPUTransformerMatchesCPU).
// The 2-D U-Net adds its layer tests against float64 host references
// (TestGPUConv2dMatchesHost, TestGPUImageLayoutsMoveEveryValue, TestGPULayerNormRowsAndModulationMatchHost,
// TestGPULinearAttentionMatchesHost; each kernel has a planted bug in mutants.sh), the same layers against nn's ops
// (gpu/fromnn TestGPUUnet2DLayersMatchNN), whole random networks against nn's predictor
// (TestGPUUnet2DMatchesNNPredictor), a trained one's 10-NFE sampler against the CPU with graph replay bit for
// bit (TestGPUTrainedUnet2DMatchesCPU), pde/wdno's loop (TestGPURunPlanIsWDNOsLoop) and `trajdiff pde
// evaluate --device gpu` (cmd/trajdiff TestPDEEvaluateGPUMatchesCPU); the Sampler's reuse across requests is
// checked bit for bit against fresh Sample calls (TestGPUSamplerReusesTheNetworkAndGraphsBitForBit).
// The 3-D U-Net adds its layer tests against float64 host references in scatter form (TestGPUConv3dMatchesHost,
// TestGPUConvTranspose2dMatchesHost, TestGPUSwapMidMovesEveryValue, TestGPURotaryTurnsQueriesAndKeys,
// TestGPUBiasedAttentionMatchesHost; one planted bug per kernel in mutants.sh), whole random networks against
// nn's predictor (gpu/fromnn TestGPUUnet3DMatchesNNPredictor) and a trained one's 10-NFE sampler against the
// CPU with graph replay bit for bit (TestGPUTrainedUnet3DMatchesCPU).
// EGTN's layer kernels (the graph layer's edge geometry, edge combination, segment sum and coordinate
// update; the temporal layer's relative-time attention and coordinate update) are checked against float64
// host references written on explicit (example, frame, node) indices (TestGPUEGTNSpatialKernelsMatchHost,
// with two coincident nodes, worst 5.6e-6; TestGPUEGTNTemporalKernelsMatchHost, with a logit that
// overflows float32 without the softmax's shift, worst 4.4e-7 relative), a spatial and a temporal layer built
// from them commute with a rotation and translation of the coordinates to float32 rounding
// (TestGPUEGTNKernelsAreEquivariant: 5e-7 on coordinates of scale 6), and mutants.sh plants eight bugs in
// them that these tests catch (and four in the input gather and priors, TestGPUEGTNPriorKernelsMatchHost). gpu/check.sh
// runs all of it on a GPU, with forward latency and sampler throughput at batch 1, 32 and 1024; until it
// has, nothing of the network path is measured on hardware (docs/benchmarks.md).
package gpu
