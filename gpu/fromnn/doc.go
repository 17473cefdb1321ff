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
// likewise; Dropout does not enter the forward pass), trained with the denoising objective of any prediction or
// with EDM's preconditioning (Checkpoint, Parameterization). Every other architecture (egtn,
// unet2d) and the regressors are refused with an error naming the
// architecture; gpu/doc.go (Network inference) keeps the list. Conv1dWeight and ConvTranspose1dWeight give
// convolution weights in the layout of the device's layer kernels (gpu.Stream.Conv1d, ConvTranspose1d),
// which the tests check against nn's Conv1dBlock and ConvTranspose1d layer.
//
// Sample draws a train.Model's windows on the device: the request as Model.Sample prepares it
// (train.Model.SamplingProblem), x_T and the per-window fixed entries uploaded once, every step of the plan
// a CUDA graph (network, inpainting x[mask] = v after the step, x0 clamped to [-1, 1] when the request
// clips), the final state unnormalised on the host. A conditional network reads each window's condition
// row (one shared row when all are equal), a guided request (Guidance w) evaluates out_c + (w - 1)(out_c -
// out_u) on the device as train does, and a warm start (Init at StartTime, Renoise) starts from the state
// and plan train.Model.WarmSamplingProblem prepares. Isolated failures and geometric models are refused
// before a device is opened. Sampler does the same for request after request on one open device (a
// planner's plans: `trajdiff plan evaluate --device gpu` injects Sampler.Sample into rl/diffuser and
// rl/decisiondiffuser through their Options.Sample). In a build without GPU support Sample checks the
// request and returns gpu.ErrNoCUDA, and NewSampler returns it.
package fromnn
