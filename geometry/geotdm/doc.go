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
// # Deviations from GeoTDM
//
//   - The network's time embedding sees t*TimeScale; with TimeScale = T (egtn's default 1000 for T = 1000;
//     set time_scale = 100 for T = 100) that is the step 1..T, where GeoTDM's sees the integer step t*T - 1
//     in 0..T-1: an offset of one step in the sinusoid's argument, learned around like any other.
//   - Sampling starts from z_T ~ N(0, I). GeoTDM starts from x_T = x_r + N(0, I), which in z is
//     x_T - (1 - sqrt(ab_T)) x_r = sqrt(ab_T) x_r + N(0, I): the two starts differ by sqrt(ab_T) x_r,
//     about 6e-3 x_r for T = 1000 (ab_T = 4.0e-5; 4.5e-3 x_r for T = 100), far below the unit noise.
//   - Solvers: any of package diffusion's (DDPM ancestral over all T steps is GeoTDM's; dpmpp-2m with 20
//     steps is our cheap default for the small configurations).
//   - Samples of a trajectory depend on the seed, the batch size and the trajectory's dataset index, not on
//     the other trajectories forecast with it (Options.Batch), so shards reproduce a whole run's samples.
//   - A plain mlp on this layout predicting eps fails (a 1500-step mlp on charged: ADE 181, the same mlp
//     predicting x0: 0.65, constant velocity 0.49, over 400 test systems): with raw coordinates and
//     alpha_T = 4.5e-3, eps errors at high noise enter the sample scaled by sigma/alpha, up to 220. EGTN
//     with the learned prior samples stably (its input is centred on the prior); the same EGTN with the
//     N(0, I) prior, trained with the same budget, diverges for about half the charged test systems
//     (docs/benchmarks.md), which Evaluate records per system (Method.Failed) while scoring the others.
//
// # Use
//
//	m, err := geotdm.Load("runs/geotdm-charged")
//	ds, err := datasets.Open("charged/test.arrow")
//	rep, err := geotdm.Evaluate(ctx, m, ds, geotdm.EvalOptions{K: 5})
//
// or `trajdiff geometry forecast|evaluate|merge` from the shell.
package geotdm
