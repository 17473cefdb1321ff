// Package diffuser is Diffuser's planner for D4RL's Maze2D (Janner, Du, Tenenbaum and Levine, "Planning
// with Diffusion for Flexible Behavior Synthesis", ICML 2022; the maze2d branch of jannerm/diffuser) and
// its closed-loop evaluation with D4RL's normalised score (Fu et al., "D4RL: Datasets for Deep
// Data-Driven Reinforcement Learning", 2020). It sits above rl (the environments), train (the trained
// window model) and diffusion (the samplers); rl itself never imports it.
//
// # Model
//
// The planner uses a train.Model trained (e.g. by `trajdiff train --config configs/diffuser-umaze-small.toml`)
// on windows of H steps of maze2d episodes whose rows are
//
//	tau_t = [a_t, s_t] = [ax, ay, x, y, vx, vy]   (columns actions(2), observations(4); New checks this)
//
// normalised per component to [-1, 1] by the limits normaliser, with an unconditional network that
// predicts x0 on the cosine VP process (the reference: cosine betas, x0 prediction, uniform t, plain L2).
// New rejects (ErrBadInput) another transition layout, and a model whose training positions (the limits
// normaliser's range) do not span the layout's free cells: a checkpoint of another maze.
//
// # Planning
//
// One window is sampled from Gaussian noise with any solver of diffusion (Options; the reference runs
// DDPM's ancestral sampler with T = 64 / 256 / 256 steps for U / Medium / Large, `ddpm` here with the same
// step count; fast solvers such as dpmpp-2m at 10-20 NFE are the point of this toolkit). Conditioning is
// inpainting: after every solver step (and on the initial noise) the observations of step 0 are set to
// the start s0 and those of step H-1 to the goal (gx, gy, 0, 0), in normalised units
// (train.SampleRequest.Fixed, diffusion.Inpaint); actions are never fixed. Every x0-prediction of the
// network is clipped to [-1, 1] before the solver uses it (Diffuser's clip_denoised;
// train.SampleRequest.ClipX0, diffusion.ClipX0). The window is mapped back to the data's units; its
// first and last observations are then exactly s0 and (gx, gy, 0, 0) (the float32 normaliser's round
// trip is undone). Plan points inside a wall cell or outside the maze and steps whose segment crosses a
// wall are counted (Plan.WallPoints, Plan.OutsidePoints, Plan.WallSegments), never clipped; Plan.MeanStep
// and Plan.MaxStep measure jaggedness and jumps (Plan.Measure).
//
// # Execution
//
// The plan is made once, at t = 0, with batch 1 and no selection or replanning. At environment step t
// the controller tracks the waypoint
//
//	w_t = plan state t+1            for t < H-1,
//	w_t = (x, y, 0, 0) of state H-1  for t >= H-1,
//
// with a_t = (w_xy - xy_t) + (w_v - v_t) (gains 1 and 1); the environment clips a_t to [-1, 1]^2 as
// D4RL's MazeEnv does (rl.Maze.Step). The plan's actions are not used.
//
// Replanning when stalled (Options.Stall, an option; not the reference's protocol): a plan that cuts a
// wall corner drives the agent into the corner, where the controller holds it for the rest of the
// episode. With Stall.Window = W the policy replans, from the observed state to the same goal with noise
// keyed by the episode's seed and the replan's number, whenever
//
//	|xy_t - xy_{t-W}| < Stall.Distance,  |xy_t - w_t| > Stall.Lag  and  |xy_t - goal| > rl.GoalRadius,
//
// with both positions observed since the current plan began: no progress while the waypoint has moved
// out of reach. A followed plan moves the agent about 0.05 per step, and an agent on a slow or resting
// stretch of its plan stays within the default lag (0.5, half a cell) of its waypoint, so the defaults
// (distance 0.1 over W steps) only catch agents that are stuck.
//
// Plans in the free space (Options.WallClearance = r, an option; not the reference's protocol): every
// x0-prediction's waypoints (x, y) between the inpainted ends are replaced by their Euclidean projection
// onto the free space F_r = {p : dist(p, walls) >= r} (rl.FreeSpace; the particle's centre lives in
// F_Radius), and so are the finished plan's. This is constrained diffusion sampling by projection
// (the "projected method" of Constrained Diffusers, Zhang et al. 2025, arXiv 2506.12544; SafeDiffuser,
// Xiao et al. 2023, arXiv 2306.00148, enforces maze2d obstacle constraints with control barrier
// functions in the same denoising steps), here with the maze's exact projection in closed form: the
// network denoises plans that respect the walls, so their neighbouring waypoints follow. It constrains points, not segments: a
// segment between two free waypoints may still clip a corner (Plan.WallSegments reports it), and
// velocities are left as sampled. The projection runs on the CPU at every step; Options.Network can
// evaluate the network elsewhere meanwhile (`plan evaluate --device gpu --wall-clearance`).
//
// # Evaluation
//
// Planner.Agent makes the planner an agent of rl/planeval, which runs closed-loop episodes (D4RL's resets,
// v1 or Multi2D targets, the registered time limit, D4RL's normalised score) next to the expert and
// random baselines, with sharding and merging for large evaluations; its documentation has the protocol.
// The published Diffuser scores 113.9 / 121.5 / 123.0 are returns of about 181 / 334 / 336.
//
// # Inverse problems: plans from start, goal and waypoints
//
// Planner.Reconstruct recovers a window from measurements of some of its entries: the start and goal
// observations and the positions (x, y) at Waypoints evenly spaced interior steps (WaypointSteps) of a
// held-out window (HeldOutWindows, from a dataset simulated with another seed). Three methods share the
// model, its condition (a conditional network always receives the measured start and goal) and the noise:
//
//	clamp    Diffuser's inpainting: every measured entry clamped after every solver step
//	guided   start and goal clamped; every x0-prediction moved by x0 <- x0 - zeta H^T (H x0 - y), a
//	         gradient step on the measurement residual without differentiating the network (the sampler
//	         offers no input gradient; DPS, Chung et al. 2023, would backpropagate through D)
//	reddiff  diffusion.REDDiff (Mardani et al. 2023) with H the selection of every measured entry, in the
//	         model's training units, from H^T y, one network evaluation per step
//	ends     baseline: Diffuser's plan with the start and goal clamped, the waypoints ignored
//	linear   model-free baseline: positions interpolated linearly between the measured ones
//
// MeasureInverse scores them in maze units: position RMSE to the truth (all steps and unmeasured steps),
// the distance at the measured positions (constraint violation), and wall-crossing segments
// (planeval.MeasurePath). `trajdiff inverse` prints the comparison.
//
// # Inference-time search
//
// Planner.WithSearch makes every plan by diffusion.ParticleSearch with a budget of network evaluations
// per plan: best-of-N plans of the planner's solver, particles of DDIM(eta) resampled by reward, or rollover
// budget forcing (Kim et al. 2025). The reward of a plan (PlanReward, computed on x0-predictions in maze
// units with the start and goal at its ends) is
//
//	r = -w_wall (P + S) - w_jump sum_t max(0, |xy_{t+1} - xy_t| - l)/l,
//
// P and S its points and segments in walls (planeval.MeasurePath), l = 0.1 a step the point mass cannot
// take: 0 for a plan that reaches the goal smoothly through free cells, negative for one that crosses a wall
// or jumps to the inpainted goal. Planner.ScalingCurve (`trajdiff plan scaling`) reports the mean reward
// against the budget for each method on D4RL resets (the goal cell, or random targets); `plan evaluate --particle-method`
// scores the searched plans closed-loop. The search's loop and reward run on the CPU, every step; its
// network can run elsewhere (Options.Network: `plan evaluate --device gpu` evaluates it on the GPU,
// the particles going up and their x0-predictions coming back at each step).
//
// # Value-guided sampling
//
// Diffuser's reward-driven planning (Janner et al. 2022, section 3.2) samples from the model's windows
// tilted by exp(lambda J), where J_phi(x_t, t) is a value model trained on noisy windows to predict their
// discounted return (train.ObjectiveValue). Options.NoGoal inpaints the start only (a goal-free model:
// configs/diffuser-umaze-nogoal-small.toml), and Planner.WithValueGuide (`plan evaluate --value RUN
// --value-scale lambda`) moves every x0-prediction of the network, for any solver, through
// train.SampleRequest.CorrectX0 (after the clipping to [-1, 1]):
//
//	x0 <- x0 + (y_n - x)/alpha(t),   y_0 = x,   y_{k+1} = y_k + lambda sigma(t)^2 grad_x J(y_k, t)   (k < n),
//
// with the gradient zeroed on the inpainted entries, n = ValueGuide.Steps (the reference's n_guide_steps),
// no guidance below t = StopGradBelow (t_stopgrad) and sigma(t)^2 dropped with NoStdScaling
// (scale_grad_by_std = False). Why this form: by Tweedie's formula the x0-prediction of a VP process is
// D(x, t) = (x + sigma^2 grad log p_t(x))/alpha, so the tilted marginal p_t exp(lambda J) has
//
//	D~(x, t) = D(x, t) + lambda sigma(t)^2/alpha(t) grad J(x, t),
//
// the n = 1 case; every solver of package diffusion reads the network only through D, so one correction
// guides DDPM, DDIM and the DPM-Solvers alike. For DDPM's ancestral step t -> s the posterior mean is
// mu = c_x x + c_0 D with c_0 = alpha_s beta_t/sigma_t^2 (beta_t = 1 - alpha_t^2/alpha_s^2), so the mean moves
// by c_0 lambda sigma_t^2/alpha_t grad J = lambda (alpha_s/alpha_t) beta_t grad J, whereas the paper's
// mean shift is lambda Sigma grad J with Sigma = beta_t sigma_s^2/sigma_t^2: the two agree to first order in
// the step (their ratio is sigma_t^2 alpha_s/(sigma_s^2 alpha_t) -> 1). The reference code instead moves the
// state x itself by lambda Sigma grad J before computing the mean there (n_step_guided_p_sample), which
// differs again at finite steps; its Sigma is DDPM's discrete posterior variance, not defined for the other
// solvers. For Gaussian data and J the exact value of a tilted Gaussian, the correction is exactly the tilted
// denoiser, and samples move by n lambda s^2 c (the test TestValueGuidanceShiftsGaussianSamplesByTheTiltedMean).
//
// The value model is either nn's "regressor" MLP on the flattened window and 8 Fourier features of t
// (configs/diffuser-umaze-value-small.toml) or Diffuser's own ValueFunction, nn's "temporal_value"
// (configs/diffuser-umaze-value-unet-small.toml): the temporal U-Net's down path (residual temporal blocks
// fed the sinusoidal time embedding of t, as the denoiser's are, and stride-2 downsampling), two middle
// blocks and an MLP head on the flattened features and the time embedding. The planner sees neither: it
// asks train.Model.ValueGradient for J and grad_x J on normalised windows, which is the network's input
// gradient (nn.RegressorInputGrad) restricted to the window. On the device (Options.SampleGuided,
// gpu/fromnn.ValueGuide) both value models have their backward pass written out: gpu.ValueGradient for the
// MLP, gpu.ValueUnetGradient for temporal_value.
//
// # Deviations from the reference
//
//   - Value guidance moves x0-predictions (above), not DDPM's mean; the value network may be an MLP on the
//     whole window and 8 time features instead of the reference's half temporal U-Net (ValueFunction,
//     nn's temporal_value, whose head is sized from the lengths its convolutions produce); U-Maze has no
//     value-guided reference configuration (the reference guides locomotion, with horizon 32).
//   - Any solver and step count may replace DDPM's T ancestral steps.
//   - Training uses the reference's two conditioning mechanisms through the shared trainer: the data
//     re-cut where the agent leaves the goal (rl.SegmentsGoal, `simulate maze2d --segments goal`) and
//     the start and goal observations entering the noisy input clean (train's data.inpaint). The
//     reference also overwrites those entries of the x0-prediction before the loss; here they stay in
//     the loss, where for an x0-predicting network they ask it only to copy its input.
//   - The reference scores one episode per run with no seed; here N episodes come from keyed streams.
//   - The expert baseline gets a fresh controller per episode, whereas D4RL's REF_MAX reused one
//     across episodes (D4RL issues #159, #215), so the expert here may score above 100.
//   - Latencies with planeval.EvalConfig.Workers > 1 include waiting for the shared network, whose calls
//     are serialised.
//   - Options.Sample replaces Model.Sample as the plan's sampler: `trajdiff plan evaluate --device gpu`
//     injects gpu/fromnn.Sample (the same request in float32 on the device), so the planner never imports
//     gpu; the particle search (WithSearch) stays on the CPU. Options.SampleGuided does the same for a
//     value-guided planner: the guide's numbers (ValueGuidance) go to a sampler that runs the guide itself
//     (gpu/fromnn.Sampler.SampleGuided) instead of the request's host-side CorrectX0.
package diffuser
