// Package nn holds trajdiff's score networks: layers written as fused gorgonia ops over flat float32
// buffers, the networks built from them (an MLP, Diffuser's temporal U-Net, a 1-D DiT transformer, WDNO's
// 2-D and video U-Nets), a training graph with a fused Adam solver, and a float64 inference path that
// plugs into package diffusion.
//
// # Design
//
// Every layer's mathematics is a kernel on flat row-major buffers with its own forward and backward pass
// (package nn/internal/kern: no allocation, split over goroutines where it pays, AVX2 for the pointwise
// work). Each kernel is wrapped as a coarse gorgonia Op: gorgonia composes the graph, differentiates it
// symbolically (every op implements SDOp; its gradient ops are further nn ops) and runs it on a tape
// machine, and solvers see the usual ValueGrad pairs, while no heavy work goes through gorgonia's
// per-element generic code. Ops are built for fixed shapes (a graph has a fixed batch size) and own their
// outputs, allocated on the first run and overwritten afterwards, so a training step allocates next to
// nothing however the machine is reset. Matrix products go through nn/internal/gemm: a blocked SGEMM
// (Goto & van de Geijn 2008) with AVX-512 or AVX2 micro-kernels in Go assembly by default (pure Go
// toolchain, no cgo), gonum on other CPUs, or OpenBLAS through cgo with the build tag openblas
// (CGO_LDFLAGS=-lopenblas). Results do not depend on the number of goroutines.
//
// Layout. Sequences and images are channels-last, [B, L, C] and [B, H, W, C]: a trajectory batch
// [B, horizon, transition] is already in that layout, a convolution is an im2col gather of contiguous
// channel vectors and one GEMM (Chellapilla et al. 2006), and normalisation over channel groups reads
// contiguous memory. Convolution weights are kept tap-major ([out, k..., in], PyTorch's [out, in, k...]
// with the input axis last; transposed convolutions [in, k..., out]) so that no weight is permuted in a
// step; Param.TorchShape records the state_dict shape and Params.Save/Load convert.
//
// # Layers
//
//	Linear              y = x W^T + b                                   PyTorch nn.Linear
//	Conv1d/2d            im2col + GEMM, stride, padding, dilation         PyTorch Conv1d/Conv2d
//	ConvTranspose1d/2d   GEMM + col2im (the adjoint), output padding      PyTorch ConvTranspose1d/2d
//	GroupNorm + act      one statistics pass, one affine pass (fused)    Wu & He 2018
//	LayerNorm            per row, optional affine map                      Ba et al. 2016
//	Mish, SiLU, GELU     x tanh(softplus x), x sigmoid(x), x Phi(x)        Misra 2019; Elfwing et al. 2018; Hendrycks & Gimpel 2016
//	ReLU                 max(x, 0)                                         PyTorch nn.ReLU
//	Dropout              inverted, masks from Philox(seed, step, op)     Srivastava et al. 2014
//	Sinusoidal, Fourier  [sin | cos](t f), [cos | sin](2 pi f t)           Vaswani et al. 2017; Tancik et al. 2020 (EDM)
//	Attention            softmax(Q K^T/sqrt(d) + mask) V, causal/key mask  Vaswani et al. 2017
//	LinearAttention      softmax_feat(Q)/sqrt(d) (softmax_pos(K)^T V)     Shen et al. 2021 (lucidrains' U-Nets)
//	SpaceToDepth         2x2 blocks -> 4C channels (einops order)         PixelUnshuffle, lucidrains' Downsample
//	Upsample2x           nearest-neighbour x2                              PyTorch nn.Upsample(mode='nearest')
//	Upsample1d2x         nearest-neighbour x2 of a sequence                PyTorch nn.Upsample(mode='nearest')
//	Conv3d               im2col (chunked when large) + GEMM; dx = conv by  PyTorch Conv3d
//	                     the flipped kernel (unit stride) or col2im
//	FrameConv2d, -T2d    Conv2d / ConvTranspose2d on every frame           Conv3d / ConvTranspose3d with (1, k, k) kernels
//	FrameLinearAttention LinearAttention within each frame                 video-diffusion-pytorch SpatialLinearAttention
//	FramesToPositions    [B, F, H, W, C] <-> [B, H, W, F, C]               einops 'b c f h w -> b (h w) f c'
//	Rotary               pairs (2i, 2i+1) of q, k turned by l theta_i      Su et al. 2021 (rotary_embedding_torch)
//	BiasedAttention      softmax(Q K^T/sqrt(d) + bias_h) V                 Vaswani et al. 2017 with Raffel et al. 2020's bias
//	RelPosBias           bias[h, i, j] = E[bucket(j - i), h]               Raffel et al. 2020 (T5 buckets)
//	ChannelsLast/First   [B, C, S...] <-> [B, S..., C]                     the layout change at a network's edges
//	Modulate, GatedAdd   adaLN-Zero x (1 + scale) + shift, x + gate y     Peebles & Xie 2023
//	WeightedMSE          mean_b w_b ||pred_b - target_b||^2 / D            the denoising objectives of package diffusion
//
// Each op has a float64 finite-difference gradient test, and the layers and networks are checked against
// PyTorch 1.13 with the same weights (testdata/parity, written by scripts/nn/parity.py): outputs,
// losses, gradients and one Adam step agree to 1e-4 (in practice 1e-7) in float32.
//
// # Networks
//
//   - MLP: [x | emb(t) | keep cond] through Linear and activation layers, for low-dimensional data.
//   - TemporalUnet: Diffuser's temporal U-Net (Janner et al. 2022, jannerm/diffuser models/temporal.py):
//     dim, dim_mults, kernel 5, GroupNorm(8) and Mish, the sinusoidal time MLP, residual temporal blocks,
//     stride-2 downsampling and ConvTranspose1d(4, 2, 1) upsampling, with Diffuser's state_dict names; an
//     optional condition goes through Decision Diffuser's returns MLP (Ajay et al. 2023) and is
//     concatenated to the time embedding. Deviation on request: upsample = "nearest" replaces the
//     transposed convolution by nearest doubling and a Conv1d(3) (Odena et al. 2016), whose tied taps
//     cannot write the period-2 zig-zag an under-trained transposed convolution leaves in x0-predicted
//     plans.
//   - Transformer: a 1-D DiT (Peebles & Xie 2023) with adaLN-Zero time (and condition) conditioning.
//   - Unet2D: WDNO's 2-D U-Net (Hu et al. 2025), lucidrains' denoising-diffusion-pytorch Unet over
//     channels-first images [C, H, W]: ResnetBlocks with GroupNorm and time scale/shift, linear attention
//     at every resolution, full attention in the middle, space-to-depth downsampling and nearest
//     upsampling, with the reference's state_dict names; conditioning is by inpainting (no condition input).
//   - Unet3D: WDNO's video U-Net for 2-D smoke (Hu et al. 2025; Unet3D_with_Conv3D, after Ho et al. 2022's
//     video diffusion U-Net) over x [C, F, H, W] (channels, frames, height, width; internally [B, F, H, W,
//     C]): a k^3 initial convolution and temporal attention; per resolution two ResnetBlocks (3x3x3
//     convolutions, GroupNorm, time scale/shift), linear attention within each frame and temporal
//     attention across the frames of each position, and a (1, 4, 4) stride (1, 2, 2) Conv3d down /
//     ConvTranspose3d up (space only: F is never reduced, so any number of frames works); full spatial
//     and temporal attention in the middle; a final ResnetBlock without time on cat(x, initial features).
//     Temporal attention is softmax(R_i q_i . R_j k_j / sqrt(d) + b_h(j - i)) with R_l the rotary rotation
//     of frame l on the first min(32, d) features of each head and b a learned T5 bias over 32 buckets
//     (exact offsets below 8, logarithmic to 32), shared by all temporal attentions. State_dict names are
//     the reference's, so PyTorch weights load; conditioning is by inpainting.
//
// Regressors (the Regressor interface) are networks without a separate time input, x [B, In] -> [B, Out]:
//
//   - RegressorMLP (arch "regressor"): Linear and activation layers (default 256, 256 and ReLU), Decision
//     Diffuser's inverse dynamics a_t = f(s_t, s_{t+1}) and the like. Spec.NewRegressor builds it (Spec.New
//     refuses it), RegressionGraph trains it on the mean squared error, RegressorPredictor evaluates it.
//   - SeqRegressor (arch "seq_regressor", SeqRegressorConfig{Tokens, TokenDim, Out, Width, Depth, Heads, FF,
//     Causal}): a transformer encoder over the input read as Tokens tokens of TokenDim values (token k is
//     inputs [k TokenDim, (k+1) TokenDim), so inputs are listed token by token), Trajectory Diffuser's draft
//     model (Du et al. 2024: next state and return-to-go from a history of (state, RTG) tokens). Embedding
//     Linear(W, D) plus a learned position embedding [L, D], Depth pre-LayerNorm blocks (multi-head
//     self-attention, bidirectional unless Causal, with the fused Attention op; MLP D -> FF (default 4 D) ->
//     D with exact GELU; residuals), a final LayerNorm and Linear(D, Out) on the last token. Its PyTorch twin
//     is scripts/nn/models.py SeqRegressor; it reuses the existing fused ops (no new op).
//   - TemporalValue (arch "temporal_value", TemporalValueConfig{Horizon, Transition, Dim, DimMults, Kernel,
//     Groups, Out}): Diffuser's value model J(x_t, t) (Janner et al. 2022, section 3.2; jannerm/diffuser
//     models/temporal.py ValueFunction), the TemporalUnet's down path and a fully connected head. A row is
//     [window | t]: the noisy window [horizon, transition] row-major and the network time (In = horizon
//     transition + 1), t entering only through the sinusoidal time MLP e = time_mlp(t) as in the
//     denoisers. Per resolution two ResidualTemporalBlocks (the TemporalUnet's, with e) and a Conv1d(3,
//     stride 2, padding 1); two middle blocks that halve the width twice (m -> m/2 -> m/4), each followed
//     by the same downsampling; then J = Linear(fc/2, Out)(Mish(Linear(fc + d, fc/2)([flatten(h) | e])))
//     with flatten channel-major as the reference's view of [B, C, L]. Each stride-2 convolution maps L to
//     ceil(L/2), and fc = (m/4) L_final is computed from these lengths (the reference sizes its head from a
//     halving count that skips the last resolution, which agrees with its forward pass only for its short
//     horizons). State_dict names and order are the reference's; the twin is scripts/nn/models.py
//     TemporalValue. RegressorInputGrad differentiates it with respect to the window; the time column's
//     gradient reads 0 (the embedding carries none: t is not a variable of guidance).
//
// RegressorInputGrad differentiates a regressor with respect to its INPUT: y = f(x) and
// g = d/dx sum_o w_o f_o(x), by the same ops' symbolic gradients on a graph whose data input is marked as
// needing one (classifier and value guidance need dJ/dx_t of a value model J; train.Model.ValueGradient).
// NetVJP does the same for a score network: y = net(x, t, c) and the vector-Jacobian product
// (dy/dx)^T v, which guidance through the denoiser (diffusion posterior sampling) needs to pull an
// objective's gradient at the x0 prediction back to x_t (pde/wdno's GuideDenoiser). Both are checked
// against central differences for every architecture.
//
// A network maps (x_t, t, condition) to whatever the training objective regresses (eps, x0, v, velocity,
// EDM's F): the trainer feeds diffusion.Example.NetTime as t, and diffusion.FromPrediction or
// diffusion.EDMPrecond turn the trained network into a diffusion.Denoiser.
//
// # API for the trainer
//
//	net, err := nn.Spec{Arch: "temporal_unet", TemporalUnet: &cfg}.New(tensor.Float32, seed)
//	tg, err := nn.NewTrainGraph(net, nn.TrainOptions{Batch: 32, Seed: seed, CondDropout: 0.1})
//	opt, err := nn.NewAdam(nn.AdamConfig{LR: 2e-4, ClipNorm: 1})
//	for step := ...; {
//		for i := range batch { ex, _ := objective.Sample(rng, x0, in, target); tg.SetExample(i, in, target, ex, cond) }
//		loss, err := tg.Run(step)          // forward + backward; gradients accumulate
//		err = opt.Step(tg.ValueGrads())    // any gorgonia.Solver; zeroes the gradients
//		ema.Lerp(net.Params(), 0.999)      // ema: the Params of a second net from the same Spec
//	}
//	net.Params().Save(path, meta)          // safetensors, PyTorch state_dict names and layouts
//	pred := nn.NewPredictor(net)           // diffusion.Network, any batch size, float64 in and out
//	den := diffusion.FromPrediction(pred, diffusion.PredEps, process)    // or &diffusion.EDMPrecond{Net: pred, ...}
//	guided := &diffusion.Guided{Cond: diffusion.FromPrediction(pred.Conditional(c), ...), Uncond: den, Scale: w}
//
// The masks of dropout and condition dropout are a function of (TrainOptions.Seed, step), so training is
// reproducible from its seed and a resumed run (Run with the global step) continues the same stream. A
// short last batch can reuse the graph: give the missing examples weight 0 and scale the others by
// B/B_real (the loss averages over the B slots).
package nn
