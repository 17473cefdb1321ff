// Package wdno is the Wavelet Diffusion Neural Operator (Hu et al., ICLR 2025, "Wavelet Diffusion
// Neural Operator", arXiv 2412.04833) for the 1-D systems of package pde and the 2-D smoke control of
// pde/smoke (section "Smoke control" below): a diffusion model of whole
// trajectories in the wavelet domain that simulates (u0, f -> u; advection, CNS: u0 -> u) and, for the
// controlled Burgers equation of pde/burgers, controls (u0, u* -> u, f), next to the same diffusion model
// in physical space (the paper's DDPM baseline).
//
// # Representation
//
// A trajectory is the state u and control f on Frames = K+1 stored frames of Cells points (the dataset's
// layout; for Burgers control row k acts on [t_k, t_{k+1}) and the last row is zero, which is also WDNO's
// zero row). Systems with several state channels (CNS: density, velocity, pressure) or none of control
// (advection, CNS) get four band channels per field channel and one condition channel per state
// channel; the description below is Burgers'.
// The wavelet layout (LayoutConfig.Space "wavelet") takes one level of the 2-D DWT over (time, space)
// of each field, by default bior2.4 in periodization mode (an odd number of frames is extended by its
// last frame, as PyWavelets does), and stacks the subbands as channels,
//
//	channels 0-3: u's aa, da, ad, dd      channels 4-7: f's aa, da, ad, dd      channel 8: condition,
//
// (letters for the time and space axes: a approximation, d detail; PyWavelets' dwt2 order cA, cH, cV,
// cD). Channel 8 holds the 1-D DWT of u0 and of the target u* = u(T), each band repeated over a quarter
// of the rows (zero rows for u* in simulation). Every channel is divided by its scale (WDNO's rescaler;
// FitScales takes the largest magnitude on training data, so clean images lie in [-1, 1]) and the bands
// are zero-padded to a size the U-Net can halve (41 x 60 fields: 21 x 30 bands in 24 x 32 images).
// Decode is the exact inverse (wavelet.Plan's Inverse) and DecodeAdjoint its transpose, so a gradient
// with respect to u and f becomes a gradient with respect to the coefficients. The physical layout
// ("physical") keeps u and f as two channels of Frames x Cells, padded likewise.
//
// # Training
//
// The network (nn's unet2d, WDNO's 2-D U-Net) is trained by package train as an ordinary denoiser with
// epsilon prediction on the encoded trajectories, with inpainting: the entries a task gives (Known:
// channels 4-8 and the padding in simulation, channel 8 and the padding in control; in physical space
// u0, u*, f as the task gives them) are carried clean in the noisy input and their epsilon target is 0,
// as in the reference. One model per task, as in the reference.
//
// # Sampling
//
// Generate starts from noise and runs any solver of package diffusion (default "ddpm", DDIM with
// eta = 1 as the reference samples, 50 steps), clamping the known entries to their encoded values after
// every step (diffusion.Inpaint) and correcting every x0 prediction: known entries set, the rest clamped
// to [-1, 1]. In control, the prediction is guided by the gradient of
//
//	J = mean_x (u(0) - u0)^2 + mean_x (u(T) - u*)^2 + w sum_{t,x} f^2,   w = 2e-5,
//
// of its own decoded trajectory (no solver in the loop): the reference adds lambda beta_t dJ/dx0 to the
// predicted noise, with beta_t the step's beta of its 1000-step cosine chain and lambda = 1.2e5, which
// moves x0 = (x - sigma eps)/alpha by -(sigma/alpha) lambda beta_t dJ/dx0; here beta_t is the beta of a
// 1000-step discretisation of the sampling process at t (stepBeta), and the prediction is clamped again.
//
// Request.GuideThrough = GuideDenoiser (`pde evaluate --guide-through denoiser`) takes the same gradient
// further back: g = dJ/dx0, zero at the known entries, is pulled back through the denoiser x0(x_t) =
// P x_t + Q net(x_t, t) of the checkpoint's prediction kind to alpha (dx0/dx_t)^T g = alpha (P g +
// (dnet/dx_t)^T Q g), one reverse pass of the network per step (nn.NetVJP), and x0 moves by that with the
// same step size. This is diffusion posterior sampling's gradient (Chung et al. 2023; Bansal et al. 2023's
// forward universal guidance) in WDNO's step rule; the factor alpha makes the two rules coincide for a
// network that ignores its input. It matters where J does not read what it should steer: smoke's J reads
// s and d(0) only, and through the network it reaches the control bands. It runs on the CPU only.
//
// Request.ProjectEnds (`pde evaluate --project-ends frames|orthogonal`, an addition to the reference)
// projects every x0 prediction of 1-D control, after it is fixed and again after each guidance step, onto the
// images whose decoded trajectory starts at u0 and ends at u* (in simulation, onto those that start at u0).
// With A the reading of the first and last state frames of Decode(x0) (on the unknown entries) and y = (u0, u*),
//
//	frames:      x0 <- x0 + E (y - A x0),
//	orthogonal:  x0 <- x0 + A^T (A A^T)^-1 (y - A x0),
//
// E encoding a state that is zero except in its end frames. A E = I, so the first is the null-space
// correction of DDNM (Wang, Yu and Zhang, ICLR 2023) with E as the generalised inverse, and every other
// decoded value is unchanged; the second is the orthogonal projection, the smallest change of the image, whose
// correction spreads over the frames the wavelet bands couple to the ends, as guidance's does. WDNO's layout
// gives u0 and u* only in its condition channel, and its network meets them only as well as it has learnt
// to; the physical layout inpaints them, where the projection changes nothing. It runs in the host loop (with
// a device, the loop stays on the host and takes the device's network).
//
// Request.Device hands the loop to another executor (DeviceProblem, DeviceSampler): the plan, the
// initial noise (drawn on the host as on the CPU), the known mask and every case's values, the clipping and
// the seed, everything the loop above reads without control guidance; it returns the final state, which
// is decoded as on the CPU. `trajdiff pde evaluate|generate --device gpu` injects gpu/fromnn's
// Sampler.RunPlan so that this package never imports the GPU code. EstimateOptions.Device does the same for
// Estimate's prior draw (`pde estimate --device gpu`); clamp (a decode-replace-encode conditioner after every
// step), guided (the readings' misfit gradient through the decoder in every x0 prediction) and reddiff (an
// optimisation, not a solver's plan) use the model where a DeviceProblem cannot say it. Control guidance on
// the 1-D wavelet layout travels as DeviceProblem.Guidance (below), smoke's on its wavelet layout as
// DeviceProblem.Smoke. What the device's loop cannot run stays on the host and takes only its network from
// the device, given as a HostDenoiser (Request.Network, EstimateOptions.Network; gpu/fromnn.Sampler.Denoiser):
// the physical layouts' guidance (GuidesOnDevice false), the search by control cost (its solver scores the
// candidates at every step), and the estimation methods clamp, guided and reddiff; without a Network they
// are refused with a device sampler. Guidance through the denoiser needs the network's vector-Jacobian
// product and runs on the CPU only. A diverging case is isolated on the
// device as on the CPU (DeviceProblem.NonFinite, gpu.RunOptions.NonFinite): it is in Generated.Failed and
// the other cases are decoded as without it.
//
// Model.DeviceGuidance states the 1-D wavelet layout's control guidance in plain numbers (the image geometry,
// the channels' scales, each case's u0 and u*, the energy weight and the step sigma/alpha lambda beta(t)), from
// which gpu.WaveletControlGuide runs the whole correction on the device: the bands out of the image, the
// inverse DWT, dJ/du and dJ/df, the inverse DWT's adjoint, the bands back into the image (a test checks that
// these numbers reproduce guide.gradient to float64 rounding). runDevice puts them in DeviceProblem.Guidance
// (image j guided toward case j mod the cases, as guide.correct pairs them), so that a device sampler runs
// Generate's guided loop: a CPU sampler that follows only these numbers gives Generate's guided controls
// (TestADeviceSamplerSeesGeneratesWholeProblem), and gpu/fromnn's Sampler.RunPlan gives them in float32.
// Model.DeviceSmokeGuidance does the same for smoke control on the smoke wavelet layout: J = -s(T-1) +
// SmokeD0Weight mean (d(0) - d0*)^2 is linear in s, which Decode reads linearly from its channel, so that
// term's image gradient is one constant image (its DecodeAdjoint, computed once); the misfit's runs through
// the density's eight 3-D bands (channels 0..7), the inverse 3-D DWT and its adjoint on the device
// (gpu.SmokeControlGuide; a test checks that these numbers reproduce guide.gradient to float64 rounding).
//
// # Evaluation
//
// Evaluate scores simulation by the MSE over frames 1..K against the test trajectory, and at fronts
// (the points of each case whose true |du/dx| is in its top decile); control by J = mean_x (u(T) - u*)^2
// + w sum f^2 of the generated control re-simulated with the true solver (burgers.ControlObjective) from
// the true u0, the test trajectory's own final state as u*, and for a model the misfit of its own
// generated u(T) to u* (TargetMisfit: whether it meets its condition before any re-simulation; the
// physical layout inpaints u*, WDNO's has to learn it). Baselines in the same run: zero control, the
// dataset's own control, and any other model (the physical-space one). A case that fails is recorded
// and the others go on; reports of shards merge. Compare pairs the reports of one test set case by case:
// per method and reference the mean paired difference with its standard error, the cases better and
// worse, and the median and 90th percentile of the per-case ratio (against the adjoint optimum: how many
// times the achievable J).
//
// # Inference-time search by control cost
//
// SearchControl (pde evaluate --particle-method) samples a control case by diffusion.ParticleSearch with the
// reward -J of each candidate's control re-simulated by the true solver from the case's u0, the objective the
// evaluation reports: best-of-N candidates of the model's sampler, or DDIM(eta) particles resampled by reward,
// or rollover budget forcing, under a fixed number of network evaluations per case. Candidates are the
// x0 predictions with the known entries set and WDNO's guidance applied, so the search adds selection by the
// exact objective on top of the guided sampler; a re-simulation that blows up scores -Inf. Re-simulation
// is cheap next to the network (the batched solver scores a particle in well under a millisecond at the
// reduced resolution), so the search's cost is its network budget.
//
// SearchSmokeControl does the same for smoke with the reward -J, J = -smoke_out + 0.1 mean (d(0) - d0)^2, of
// each candidate re-simulated by pde/smoke from the case's true initial square. Smoke's J reads the s
// channel and d(0) alone, so its gradient with respect to the x0 prediction is zero in the control
// channels: guidance at x0 changes the controls only through the network's reaction to a changed s at
// later steps, and the objective reaches them through the search or through guidance through the
// denoiser (GuideDenoiser, which the search's guided predictions take too). A smoke re-simulation of the
// reduced problem (grid 64, 256 steps) takes about 0.15 s of one core, a third or less of a network
// evaluation of the reduced model, so the search's cost is still mostly its network budget.
//
// # State estimation from sparse sensors
//
// A third task, "estimate", learns the prior of the state trajectory given the control alone (u0 unknown:
// in wavelet space the condition channel is zero, in physical space only f and the padding are given).
// Measurements are imposed at sampling time, so one model serves every sensor layout: Sensors read u at
// grid points of chosen frames with Gaussian noise, y = S u + n, and the measurement operator on images is
// H x = S Decode_u(x) (SensorOperator; linear, with H^T = DecodeAdjoint S^T). Model.Estimate solves the
// inverse problem by
//
//   - reddiff: RED-Diff (Mardani et al. 2023; diffusion.REDDiff) on the image with H, the known entries held
//     fixed and shown clean to the network (REDDiffOptions.Fixed), started from the interpolated readings;
//   - clamp: Diffuser's conditioning through the layout, the decoded state's readings set to y after every
//     solver step (decode, replace, encode; in physical space exactly Diffuser's clamping of entries);
//   - guided: WDNO's guidance above with J = mean_r (S u - y)_r^2 instead of the control objective;
//   - prior: the model given f alone, which shows what the sensors add.
//
// EvaluateEstimation places them against the model-free interpolation of the readings
// (InterpolateSensors: periodic linear in space, linear in time between frames read) and the physics
// baseline that re-simulates the true Burgers solver from the interpolated initial readings under the
// known control, reporting the MSE to the truth (all values, u0, the unmeasured values), the readings'
// RMS misfit (the constraint violation; the noise level is what the truth leaves), NFE and wall time.
// Measurement noise is keyed by (seed, case), so every method sees the same y.
//
// # Generated datasets
//
// WriteGenerated (trajdiff pde generate) writes a model's trajectories for test cases as a fields
// dataset with the test data's layout and solver parameters (OpenData reads it), params (source_id,
// source_index), and for a control model also the generated controls re-simulated with the true
// solver from the true u0, for comparing the model's u with the solver's u for the same f (trajdiff
// plot --truth). Cases that diverge are listed in the datasets' generator parameters (failed_cases).
// A model takes a generated dataset as test data of its source's generator (Model.Compatible), so
// trajdiff pde evaluate scores it like the test data.
// On smoke data (generate_smoke.go) both datasets keep the source's S = K + 1 stored frames, columns and
// control rows (row k held during the steps that end at stored frame k) and its parameters (x0, y0,
// size, smoke_out, leakage, remaining, exit counters, smoke_out_k) with source_id and source_index
// appended. A generated row holds the model's frames 0..K-1 and its share s(t_k) (the mean of its s
// channel) as smoke_out_k, and zero where no model generates (frame K, the final outcomes); a
// re-simulated row is pde/smoke's row of the generated control run from the true initial square by
// the re-simulation Evaluate scores (resimulateSmoke), so its smoke_out_{K-1} is the reported smoke_out
// of the case for the same seed and batch (to float32 rounding in float32 datasets).
//
// # Multi-resolution: super-resolution applied repeatedly
//
// Task "superres" (SuperModel, after WDNO's section on multi-resolution) learns one dyadic refinement: the
// fine state trajectory u (K+1 x N) given the coarse one, u subsampled by two in time and space (frames and
// cells 0, 2, 4, ...: ceil((K+1)/2) x ceil(N/2)), and the fine conditions u0 and f. SuperLayout stacks 17
// channels for Burgers: u's and f's one-level DWT bands (f's given), the coarse trajectory's bands
// nearest-upsampled by two, w_c(r, q) = W_coarse(floor(r/2), floor(q/2)), and the u0 condition channel of
// the wavelet layout. The fine band rows are odd for K+1 = 2^k 10 + 1 frames, so the generated band grid is
// extended by a copy of its last row (WDNO's duplicated target row) to twice the coarse band rows; decoding
// drops it and is exact. Training pairs come from one dataset, as WDNO builds them: level k pairs the data
// subsampled 2^k times with its own subsample, one level drawn per batch (superres.levels; the reduced
// configuration trains 41 x 60 | 21 x 30 and 21 x 30 | 11 x 15, the reference 81 x 120 | 41 x 60 down to
// 21 x 30 | 11 x 15). The U-Net has no parameter tied to the image size, so Upsample rebuilds it for the image
// of any resolution with the trained weights and, applied to its own output, refines past the training
// resolutions (zero-shot). EvaluateSuperres starts from test data subsampled 2^P times and refines P times,
// each step given the fine u0 and f of its level (the test data subsampled), scoring every level by the MSE
// over frames 1..K against the test data at that level, next to nearest, bilinear and cubic (Keys)
// interpolation of the coarse input in the index coordinate i/2^m (the coarse points are fine points).
// Deviations: the trainer's batches have one image shape, so the coarser level's smaller bands sit in the
// finer level's image and the part of the finer band grid they do not cover is generated (zeros), not
// inpainted, and sampling pads every image to at least that size, so a trained level sees exactly its
// training images (the condition channel's quarter-height blocks depend on the image height); the evaluation's truth at every level is the finest test solution subsampled (the reference
// interpolates to 641 x 960 instead), and the chain starts from the true coarse trajectory rather than from
// a base model's output; the coarse control of a step is the fine control subsampled.
//
// # Smoke control (2-D): pde/smoke's WDNO task
//
// A fields dataset of trajdiff simulate smoke (2-D grid m x m, axes (x, y)) makes the same verbs work on
// WDNO's smoke task (Data.IsSmoke; LayoutConfig.Grid = [m, m]). The models see the first K = Stored - 1
// stored frames (WDNO: frames 0..31 of 33; the objective reads frame 31, the state after step 248 of
// 256). A trajectory is u = (density, vx, vy, s) over K frames x m^2 cells and f = (cx, cy), where
// s(t_k) = smoke_out after frame k (the dataset's parameters smoke_out_k, WDNO's sixth field), the same
// in every cell.
// The wavelet layout (layout_smoke.go; WDNO's smoke/ddpm/data_2d.py) takes a one-level 3-D DWT over
// (t, x, y), bior1.3 in zero mode, of each of density, vx, vy, cx, cy (K x m x m = 32^3 -> eight
// bands of 18^3: aaa, aad, ..., ddd, letters for t, x, y) as channels 8k..8k+7; channel 40 holds the
// 2-D DWT of the initial density d0 (band b of aa, ad, da, dd repeated over image frames [bF/4,
// (b+1)F/4)); channel 41 the 1-D DWT of s(t) (cA(t) on rows [0, H/2), cD(t) on [H/2, H) of image
// frame t, every column). Every channel is divided by its fitted scale and zero-padded to F x H x W =
// 20 x 20 x 20 by default (frames to a multiple of 4 for the d0 blocks, space to a multiple of 4 for
// the U-Net's two halvings), the image of nn's unet3d ([channels, frames, height, width]). Decode
// inverts the fields exactly and reads each s band as the mean of its block (exact on encoded images);
// DecodeAdjoint is its transpose. Control gives channel 40 and the padding (inpainting), simulation
// also the control bands 24..39; s and the state bands are generated in both. The physical layout
// (layout_smoke_physical.go, the DDPM baseline) stacks density, vx, vy, s, cx, cy as 6 channels of
// K x m x m, with frame 0 of the density given (and cx, cy in simulation).
// Guidance uses the reference's objective of the model's own decoded trajectory,
//
//	J = -s(T-1) + 0.1 mean_cells (d(0) - d0*)^2,   weight 100 (smoke/inference_2d.py),
//
// s(T-1) the mean of the s channel over the last frame, with the machinery above (the x0 prediction
// moved by -(sigma/alpha) w beta(t) dJ/dx0). Evaluation re-simulates every generated control with
// pde/smoke from the test case's true initial square (the band velocities are all the simulator reads;
// frame K, after the objective's frame, gets zero control) and reports per case smoke_out and leakage
// after frame K-1, J = -smoke_out + 0.1 mean (d0 - d0*)^2 of the re-simulation (its d0 follows the
// frame-0 control), the model's own s(T-1) against the re-simulated share (ModelMisfit), next to zero
// control and the dataset's own control (re-simulated, it reproduces the stored share exactly: a
// test checks it at full precision; float32 datasets round the control), and on request the adjoint
// optimum from the dataset's control (SmokeAdjointOptimum: L-BFGS on pde/smoke's exact adjoint of the
// same J; from zero control smoke_out's gradient is zero, no smoke being in an exit). Deviations: frames are padded
// to 20, not 24; cells are indexed (x, y) as the datasets store them (the DWT is separable, so only the
// order of the space letters differs from the reference's (y, x)); s is read back as a block mean; the
// re-simulation starts from the true initial state; estimation is 1-D only and refuses smoke data.
//
// The network must be wide enough to see the noise of the entries it generates (Trainer, and the
// super-resolution trainer at each of its levels, refuse a unet2d or unet3d with dim V < N, dim the
// output width of its initial convolution, V the image's positions, N its free entries: neither
// conditions nor padding, which enter training clean). That convolution is linear, so the network sees
// x_t only through a map of rank at most dim V: at high noise, where eps = x_t up to the signal, an
// eps-predictor misses at least a share (N - dim V)/N of the noise, and samples end in noise. The first
// smoke runs at dim 8 for the 42 wavelet channels (N = 240480 free entries in 8000 positions for
// control: the bound 0.73) measured a per-channel eps error of 0.8-0.9 at every noise level and
// generated controls of white noise, 60 times the data's mean c^2 in every frame and cell
// (docs/benchmarks.md, "WDNO smoke control: the controls were noise"). WDNO's smoke control image needs
// dim >= 31 (simulation 19) where the 6-channel physical image runs at 6, so at equal time the wavelet
// model is the wider network (configs/wdno-smoke-small-control.toml: dim 48, mults (1, 1, 2)). The
// bound is necessary, not sufficient.
// The scales stay the largest training magnitudes (the reference's RESCALER is the same rounded): in
// those units every band's root mean square is 0.01-0.13, approximation bands included.
//
// # Super-resolution of smoke
//
// Task "superres" on smoke data (smokeSuperLayout, superres_smoke_layout.go) refines space only, as the
// reference's smoke pairs do: level k pairs the data's cells (2^k x, 2^k y) of every frame with cells
// (2^(k+1) x, 2^(k+1) y), the grid halved (an even side is required at every halving, else a clear error),
// every frame kept. The image is the smoke wavelet layout's at the fine grid with 82 channels: the fine
// 3-D DWT bands of density, vx, vy (0..23, generated) and of cx, cy (24..39, given), the coarse
// trajectory's 40 bands nearest-upsampled by two in x and y (40..79, given), the fine initial density's
// 2-D DWT (80) and s(t)'s 1-D DWT (81, taken from the coarse trajectory: one number per frame, the same at
// every resolution). So the refined fields are the density and the velocity; the conditions are the
// coarse trajectory, the fine control, d0 and s, the smoke simulation task's conditions at the fine grid.
// The network is nn's unet3d, rebuilt with the trained weights for the image of any grid (it has no
// parameter tied to the image size). EvaluateSuperres subsamples a test set Passes times in space and
// refines back, each step given its level's frame 0 (for d0) and control; it scores density, vx and vy
// over frames 1..K-1 (s is given) against the test data subsampled, next to nearest, bilinear and cubic
// interpolation of every frame of the coarse input in (x, y). The reduced configuration
// (configs/wdno-smoke-small-superres.toml) trains 32 | 16 and 16 | 8 on 32 x 32 data and is applied
// zero-shot to 64 x 64 test data (simulate smoke --save 64). Its U-Net has dim 32: the band positions hold
// 24 generated values and the final 1x1 convolution predicts each position from dim features (checkWidth);
// at dim 24 the model did not learn, at 32 it beats bilinear interpolation at every level.
// Deviations from the reference (64 | 32, 32 | 16, zero-shot 128): half the resolutions; the control is a
// given fine condition and not refined; the upsampled coarse bands (ceil((m/2+5)/2) per axis for bior1.3 in
// zero mode) cover the fine ones (ceil((m+5)/2)) without the reference's edge-padding of the target by one
// cell, the bands aligned at their first coefficient; the coarser level's bands sit in the finer level's
// image (as for Burgers), and the s condition is spread over that image's height.
//
// # Deviations from the reference
//
//   - Data: the control is held constant over each stored frame (WDNO's generator varies it 16 times per
//     stored frame and subsamples), so re-simulating a stored control reproduces the stored state; the
//     solver grid is pde/burgers' (coarse point j is fine point r j).
//   - Control re-simulation starts from the true u0 (the reference re-simulates from the generated u0).
//   - Known entries of every x0 prediction are set to their clean values before the guidance gradient is
//     taken (the reference leaves the network's prediction there).
//   - The reduced configurations (configs/*-burgers-small-*.toml) use unit loss weights (the reference
//     weights the loss of each channel by its scale), EMA weights and a smaller U-Net.
package wdno
