// Package fromnn gives trained networks of package nn and checkpoints of package train to the GPU sampler:
// MLP reads an nn network's architecture and state_dict into a gpu.MLP (the float32 arrays the device
// uploads), Checkpoint adds the conversion of its output to x0 that the checkpoint's objective defines
// (gpu.Parameterization, the device form of diffusion.FromPrediction and diffusion.EDMPrecond).
//
// It is a package of its own because package gpu must not import nn: nn imports gorgonia, which reads the
// `cuda` build tag as a request for its cuDNN backend, and gpu's device tests are built with that tag
// (gpu/doc.go, Build). Programs that use both build with `trajdiff_cuda`, and so do this package's device
// tests, which CI runs on the driver emulator gpu/cudaemu (.ci/check.d/gpu.sh).
//
// Supported today (NewPredictor picks the device network by architecture): nn's "mlp" (Linear layers with
// mish, silu, gelu, relu or identity activations, sinusoidal or Fourier time embedding, a condition
// evaluated as nn.Predictor does: without it, fixed with gpu.PredictorOptions.Cond, or one row per window
// with PointConds; classifier-free guidance with Guidance), nn's "temporal_unet" (TemporalUnet; its
// condition likewise) and nn's "transformer", the 1-D DiT (Transformer: adaLN-Zero blocks of multi-head
// self-attention, causal or not, and a GELU MLP; sinusoidal or Fourier time embedding; its condition
// likewise; Dropout does not enter the forward pass) and nn's "unet2d" (WDNO's 2-D U-Net, Unet2D;
// unconditional) and nn's "unet3d" (WDNO's smoke denoiser, video-diffusion-pytorch's Unet3D_with_Conv3D;
// Unet3D; unconditional; the state_dict's rotary frequency buffers and relative position table read with the
// weights, the bias [heads, F, F] formed from the table once at upload) and nn's "egtn" (GeoTDM's equivariant network, EGTN: priors learned, com and none,
// prior_output; its condition row per example with PointConds or shared with Cond; the process's alpha(t)
// and, with prior_output, the prediction's x0 share A(t) taken from the Parameterization as train hands them
// to nn's network), trained with the denoising objective of any prediction or with EDM's preconditioning
// (Checkpoint, Parameterization; egtn with a prior needs a denoising objective). The regressors are refused
// with an error naming the architecture; gpu/doc.go (Network inference) keeps the list. Conv1dWeight and ConvTranspose1dWeight give
// convolution weights in the layout of the device's layer kernels (gpu.Stream.Conv1d, ConvTranspose1d),
// which the tests check against nn's Conv1dBlock and ConvTranspose1d layer.
//
// Sample draws a train.Model's windows on the device: the request as Model.Sample prepares it
// (train.Model.SamplingProblem), x_T and the per-window fixed entries uploaded once, every step of the plan
// a CUDA graph (network, inpainting x[mask] = v after the step, x0 clamped to [-1, 1] when the request
// clips), the final state unnormalised on the host. A conditional network reads each window's condition
// row (one shared row when all are equal), a guided request (Guidance w) evaluates out_c + (w - 1)(out_c -
// out_u) on the device as train does, and a warm start (Init at StartTime, Renoise) starts from the state
// and plan train.Model.WarmSamplingProblem prepares. A geometric model (an EGTN trained on data.kind
// geometric) samples its raw condition vectors, one row per sample, in raw coordinates (`trajdiff geometry
// forecast|evaluate|generate --device gpu` injects Sampler.Sample into geometry/geotdm through Options.Sample).
// IsolateFailures isolates a diverging window as Model.Sample does (gpu.RunOptions.NonFinite: its values
// NaN, its index in Samples.Failed, the other windows as without it), and PlanProblem.NonFinite does the same
// for RunPlan. Sampler does the same for request after request on one open device (a
// planner's plans: `trajdiff plan evaluate --device gpu` injects Sampler.Sample into rl/diffuser,
// rl/decisiondiffuser and rl/trajdiffuser's refinement through their Options.Sample), and keeps the previous request's device state for the
// next: the uploaded network while the checkpoint, the number of windows, the precision, the guidance weight
// and the condition values stay the same; the executor (the plan's buffers and its captured step graphs)
// while the plan and the batch stay the same; the fixed entries' buffer while the mask and the number of
// values stay the same, the new values copied into it before the graphs replay; Diffuser's value guide
// (SampleGuided) while the value network, the windows, the mask, the guide's numbers and the fixed entries'
// buffer stay the same (TestGPUSamplerKeepsTheValueGuideAndReplaysItsGraphs). A request so served launches
// the same kernels with the same arguments as a fresh Sample call, so its samples are bit for bit Sample's
// (TestGPUSamplerReusesTheNetworkAndGraphsBitForBit); a plan of a replanning planner then costs one upload
// of its initial state and fixed values, the replayed graphs and one download. Sampler.RunPlan runs a
// sampling loop given directly (PlanProblem: a checkpoint's unconditional network, a plan, the initial
// state, fixed entries set after each step and, with FixX0, in every x0 prediction after the clamp,
// gpu.InpaintX0): pde/wdno's Generate loop, which `trajdiff pde evaluate --device gpu` injects through
// wdno.Request.Device, with the same reuse of the kept network, executor and fixed-entry buffer; with
// PlanProblem.Guidance (WDNO's Burgers control guidance) each run wraps that x0 correction in a
// gpu.WaveletControlGuide, allocated once before the run, captured in the step graphs and released with
// them after it (TestGPUGuidedBurgersControlMatchesGenerate: Generate's guided run to relative RMS 7.3e-7
// on the emulator, a rerun bit for bit); PlanProblem.SmokeGuidance does the same with a gpu.SmokeControlGuide
// for WDNO's smoke control (TestGPUGuidedSmokeControlMatchesGenerate: relative RMS 1.0e-5). Sampler.SampleGuided
// adds Diffuser's value guidance the same way, after the clamp (ValueGuide; gpu.ValueGuide), by an MLP value
// model (ValueMLP; gpu.ValueGradient) or Diffuser's temporal_value U-Net (ValueUnet; gpu.ValueUnetGradient), which `trajdiff plan evaluate --device gpu --value` injects into rl/diffuser through
// Options.SampleGuided. Sampler.Denoiser hands out a checkpoint's unconditional network as a
// diffusion.Denoiser on host slices (gpu.HostDenoiser) for loops that stay on the host: pde/wdno's search by
// control cost, physical-space guidance and the estimation methods clamp, guided and reddiff, which
// `trajdiff pde evaluate|generate|estimate --device gpu` injects through wdno.Request.Network and
// EstimateOptions.Network (TestPDEEvaluateGPUSearchMatchesCPU: every case's J within 3e-6 relative of the
// CPU search's on the emulator); Sampler.NetworkDenoiser does the same for a train.Model's request (its
// shared condition row and guidance weight; given as train.SampleRequest.Network, the host's sampler adds
// the fixed entries, the clipping and any x0 correction), which `trajdiff plan evaluate --device gpu
// --particle-method|--wall-clearance` injects into rl/diffuser's search and free-space projection through
// Options.Network (TestGPUNetworkDenoiserIsTheRequestsNetwork: 5.4e-8
// from the CPU denoiser). In a build without GPU support Sample checks the request and returns
// gpu.ErrNoCUDA, and NewSampler returns it.
package fromnn
