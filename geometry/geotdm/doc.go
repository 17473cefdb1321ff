// Package geotdm forecasts and evaluates N-body trajectories with GeoTDM-style diffusion models (Han et
// al., "Geometric Trajectory Diffusion Models", NeurIPS 2024): a network trained by package train with
// data.kind geometric (nn's EGTN, or any network on the same layout) generates the target frames of a
// system given its condition frames, node features and edge attributes.
//
// # The model
//
// A trajectory x has frames of N nodes in D dimensions. GeoTDM forecasts the target frames x0 (frames
// 10..29 of the N-body data) from the clean condition frames x_c (0..9). Its equivariant prior computes a
// reference x_r = EquiPrior(x_c), and the forward process runs around it:
//
//	x_tau = x_r + sqrt(ab_tau) (x0 - x_r) + sqrt(1 - ab_tau) eps,   ab_tau = prod_{s <= tau} (1 - beta_s)
//
// on a DDPM chain of T steps with linear betas from 1e-4*1000/T to 0.02*1000/T (train.ObjectiveConfig
// Steps); the network predicts eps. Writing z = x_tau - (1 - sqrt(ab_tau)) x_r gives
//
//	z = sqrt(ab_tau) x0 + sqrt(1 - ab_tau) eps,
//
// an ordinary variance-preserving process on x0. So our trainer and every sampler of package diffusion see
// a plain vp-discrete process on the target frames; the network (an nn.SignalUser) receives alpha(t) =
// sqrt(ab) and forms x_tau = z + (1 - alpha(t)) x_r itself before its layers. Nothing else of the
// training loop or the solvers is specific to GeoTDM.
//
// # Metrics
//
// For a forecast xhat of the target frames and the truth x, per node i and target frame f the error is
// the Euclidean distance d_{f,i} = |xhat_{f,i} - x_{f,i}| (geometry.ADE, geometry.FDE):
//
//	ADE = mean over target frames and nodes of d_{f,i}
//	FDE = mean over nodes of d_{F,i}, F the last target frame
//
// per system. With K samples per system (default 5), the mean over K is GeoTDM's N-body protocol and the
// min over K the best-of-K (minADE_K) of trajectory forecasting; both are averaged over systems
// (Evaluate, Report). Reports of shards carry sums and counts, so Merge gives exact means over all
// systems. The constant-velocity baseline (ConstantVelocity) extrapolates the last two condition frames
// by their true frame indices, or interpolates linearly between condition frames for targets between
// them.
//
// # Unconditional generation
//
// A checkpoint without condition frames (configs/geotdm-charged-uncond-small.toml: prior "none", 20 target
// frames) generates a trajectory from a system's node features and edge attributes alone; the network
// projects its input and output to zero centre of mass P x = x - mean over all nodes and frames. The chain
// starts from unprojected noise, and since the network neither sees nor changes the centre of mass, the
// chain evolves P x exactly as GeoTDM's projected chain would and carries (I - P) x along linearly (scaled
// by 1/alpha_T by a deterministic solver); EvaluateUnconditional therefore centres every sample, which gives
// GeoTDM's sample, and centres the real trajectories it compares with (GeoTDM's data loader centres them).
// EvaluateUnconditional draws one sample per test system (GeoTDM: sample count = test size) and computes,
// against the real target frames of those systems, GeoTDM's three scores (Han et al. 2024, Sec. 5.2, after
// Zhou et al. 2023):
//
//   - marginal: geometry.MarginalScore, the mean absolute difference of 50-bin per-axis densities pooled over
//     nodes and frames (lower is better);
//   - classification (ClassificationScore): the held-out binary cross-entropy of a classifier trained to
//     tell generated from real trajectories (ln 2 when it cannot; GeoTDM reports it as "higher is better"),
//     with its accuracy;
//   - prediction (PredictionScore): a forecaster trained on the generated trajectories (frames 0-9 -> 10-19)
//     and scored by its mean squared error on the real ones (lower is better).
//
// Next to the model it scores, from held-out real trajectories (UncondOptions.Reference, e.g. the training
// split): those trajectories themselves (the ideal; its classification BCE is about ln 2), the same with
// frames shuffled in time (identical marginals, no dynamics: the marginal score alone cannot tell), and
// constant velocity from their first two frames (no interactions).
//
// Deviations in the scores: GeoTDM trains a one-layer EqMotion (hidden 16) for 100 epochs (Adam 5e-3,
// batch 128) and reports the last epoch. Ours are nn's regressor MLPs (two SiLU layers of 64, Adam 1e-3,
// batch 128, 100 epochs, fixed seed): the classifier on E(3)-invariant features (all pairwise distances in
// every frame, every node's step lengths, the node features), trained on the logistic loss through the
// mean-squared-error graph (scoreMLP.epoch); the forecaster on centred input frames with a random
// rotation/reflection per example and epoch, predicting the deviation from constant-velocity
// extrapolation. Both keep the epoch with the best loss on a validation part (20% of the data, from the
// training side: 60/20/20 for the classifier, where GeoTDM splits 80/20), so that two samples of one
// distribution score ln 2 instead of an overfitted classifier's larger loss. Real trajectories are
// centred over the 20 generated frames (GeoTDM centres the 30-frame window before cutting 20). Numbers are
// therefore comparable between methods of one evaluation, not with the paper's.
//
// GeoTDM samples with DDPM's sigma_t^2 = beta_t over all T steps: diffusion's "ddpm-large" solver
// (diffusion.DDPMLarge); "ddpm" is the beta-tilde variant (DDIM with eta = 1).
//
// # Deviations from GeoTDM
//
//   - The network's time embedding sees t*TimeScale; with TimeScale = T (egtn's default 1000 for T = 1000;
//     set time_scale = 100 for T = 100) that is the step 1..T, where GeoTDM's sees the integer step t*T - 1
//     in 0..T-1: an offset of one step in the sinusoid's argument, learned around like any other.
//   - Sampling starts from z_T ~ N(0, I). GeoTDM starts from x_T = x_r + N(0, I), which in z is
//     x_T - (1 - sqrt(ab_T)) x_r = sqrt(ab_T) x_r + N(0, I): the two starts differ by sqrt(ab_T) x_r,
//     about 6e-3 x_r for T = 1000 (ab_T = 4.0e-5; 4.5e-3 x_r for T = 100), far below the unit noise.
//   - Solvers: any of package diffusion's (DDPM ancestral with sigma_t^2 = beta_t over all T steps,
//     "ddpm-large", is GeoTDM's; DDIM with 10 steps is the default of the small configurations).
//   - Samples of a trajectory depend on the seed, the batch size and the trajectory's dataset index, not on
//     the other trajectories forecast with it (Options.Batch), so shards reproduce a whole run's samples.
//   - A plain mlp on this layout predicting eps fails (a 1500-step mlp on charged: ADE 181, the same mlp
//     predicting x0: 0.65, constant velocity 0.49, over 400 test systems): with raw coordinates and
//     alpha_T = 4.5e-3, eps errors at high noise enter the sample scaled by sigma/alpha, up to 220. EGTN
//     with the learned prior samples stably (its input is centred on the prior); the same EGTN with the
//     N(0, I) prior, trained with the same budget, diverges for about half the charged test systems
//     (docs/benchmarks.md), which Evaluate records per system (Method.Failed) while scoring the others.
//
// # Stochastic interpolants with a learned drift
//
// With objective process "interpolant" (diffusion.InterpolantProcess, Albergo et al. 2023, 2023b) a network
// sees y = x - tau x_r, where the interpolant is x_t = (1-t)(x_r + Base zeta) + t x0 + gamma(t) z,
// gamma(t) = sqrt(Latent t (1-t)), at t = 1 - tau, so that y = (1-tau) x0 + sigma(tau) eps with
// sigma^2 = Base^2 tau^2 + Latent tau (1-tau). An eps network alone gives both fields; Pair takes them
// from two checkpoints of one interpolant, the drift from a velocity network (prediction "velocity",
// V = E[dy/dtau | y] = E[-x0 + sigma' eps | y]) and the denoiser from an eps network, each around its own
// learned prior r:
//
//	b(t, x)   = dx/dt = -V(x - tau r_V, tau) - r_V
//	eta(t, x) = E[z | x_t = x] = gamma(t)/sigma(tau) E[eps | y = x - tau r_eps]
//
// (sigma' E[eps | y] = E[Base zeta + gamma_tau' z | y]: the merged noise has the interpolant's conditional
// means). The sampler integrates x itself: the ODE dx = b dt (Heun) or the SDE dx = (b - Eps eta) dt +
// sqrt(2 Eps gamma) dW (Euler-Maruyama), from t = 1 - TMax at r_V + sigma(TMax) noise to t = 1 - TMin on
// a grid uniform in sqrt(tau) (on a grid uniform in t Heun's last step overshoots where sigma' ~ 1/sqrt(tau)
// makes b stiff: diffusion.InterpolantProcessFields.Sampler), and ends with the eps network's x0-prediction, as every process solver's last step does; a step costs two
// network passes (two drift passes for Heun, drift and denoiser for Euler-Maruyama), so S steps are 2S + 1
// passes. V moves with translations of the data (by -c) while EGTN's output does not, so the velocity
// network is trained with prior_output (nn.EGTNConfig.PriorOutput): it outputs u + alpha' x_r = u - x_r,
// u = dx/dtau translation invariant. The SDE keeps the drift's marginals exactly only when r_V = r_eps; two
// separately trained priors differ, and the SDE then corrects towards the eps network's path. Evaluate
// scores Pair samplers next to checkpoints (EvalOptions.Pairs; `trajdiff geometry evaluate --drift CKPT
// --eps E`).
//
// Forecasts on another executor: Options.Sample (and EvalOptions.Sample, UncondOptions.Sample) replaces
// train.Model.Sample with an injected sampler of the same requests, so this package never imports package
// gpu; `trajdiff geometry forecast|evaluate|generate --device gpu` injects gpu/fromnn's Sampler, which runs the EGTN and the solver in float32
// on the device (cmd/trajdiff TestGeometryGPUMatchesCPU: samples within 2.3e-5 of the CPU's on the emulator).
// The device isolates failures as the CPU does (the requests keep IsolateFailures; gpu.RunOptions.NonFinite
// marks each sample's first non-finite network output on the device): a diverged sample fails its
// trajectory alone. Two-field pairs stay on the CPU.
//
// # Use
//
//	m, err := geotdm.Load("runs/geotdm-charged")
//	ds, err := datasets.Open("charged/test.arrow")
//	rep, err := geotdm.Evaluate(ctx, m, ds, geotdm.EvalOptions{K: 5})
//
//	rep, gen, err := geotdm.EvaluateUnconditional(ctx, uncond, ds, geotdm.UncondOptions{Reference: train})
//
// or `trajdiff geometry forecast|evaluate|merge|generate` from the shell.
package geotdm
