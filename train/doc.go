// Package train is trajdiff's one trainer: it fits any nn network to any diffusion objective on any
// batch source, deterministically for a seed, with checkpoints that a killed run resumes from.
//
// One step (Kingma & Ba 2015; Loshchilov & Hutter 2019; Karras et al. 2022):
//
//	x0_b, c_b  <- Source.Batch(step)                        the step's clean examples
//	(in_b, y_b, w_b) <- Objective.Sample(rng(seed, step), x0_b)  noise level, network input, target, weight
//	L = mean_b w_b ||net(in_b, t_b, c_b) - y_b||^2 / D       nn.TrainGraph, gradients by gorgonia
//	lr = warmup(step) cosine(step)                           linear warm-up, cosine decay to MinLR
//	theta <- AdamW(theta, grad L, lr)                        with global gradient-norm clipping
//	ema  <- d ema + (1 - d) theta,  d = min(EMADecay, (1 + step)/(10 + step))
//
// Every random draw of a step comes from streams keyed by (Seed, step): the objective's noise from a
// ChaCha8 stream, dropout and condition dropout from the network's Philox streams, the batch from the
// source's seeded permutation. The state of a run is therefore (weights, EMA, Adam moments, step) and
// nothing else; a checkpoint stores exactly that (safetensors) with the configuration (JSON), written to
// a temporary directory and renamed, and a resumed run continues bit for bit as if never stopped.
//
// A non-finite loss stops the run with ErrNonFinite and leaves the last good checkpoint in place.
//
// Options.Init starts a fresh run from another checkpoint's weights and EMA weights (same network, same
// precision) with fresh optimiser moments, step count and schedule: a warm restart (SGDR; Loshchilov &
// Hutter 2017) or a fine-tune. Its EMA decays at EMADecay from the first step, since the average it
// continues is already formed.
//
// A trained model is used through Load and Model.Sample: Load reads a run of Config.Trainer with its
// configuration, its dataset's normalisers and the weights choice (the EMA weights unless the configuration's
// sample.ema or LoadOptions says otherwise), and Model.Sample draws windows in the data's units for a
// SampleRequest (solver, schedule, steps, count, seed, fixed entries), checking the request first
// (ErrBadRequest). LoadCheckpoint reads any checkpoint as a diffusion.Denoiser.
//
// # Conditions, guidance and warm starts
//
// data.condition lists a conditional network's condition values in order (cond_dim is their number; see
// ConditionItem): window entries "STEP:COMPONENT" of the normalised window, and two values of the window's
// episode at its first step t0, Decision Diffuser's (Ajay et al. 2023):
//
//	returns        R(t0) / returns_scale,  R(t0) = sum_{k>=0} discount^k r_{t0+k} to the episode's end
//	info:NAME:K    2 (v - lo) / (hi - lo) - 1,  v = infos/NAME[t0, K], [lo, hi] its range over the dataset
//
// with the keys data.returns_scale (required with returns) and data.discount (default 0.99). Load
// recomputes the info ranges from the dataset, like the window normalisers, and SampleRequest.CondValues
// gives those items in the data's units (the return-to-go itself, the info's value).
//
// SampleRequest.Guidance w > 0 is classifier-free guidance (Ho & Salimans 2022) of a model trained with
// train.cond_dropout: every network evaluation runs with the condition kept and dropped (keep mask 0) and
// uses out_u + w (out_c - out_u). That is valid in any parameterisation (eps, x0, v): each is affine in the
// others with coefficients shared by both passes, and the weights sum to 1. Guidance 0 is the conditional
// model alone; Samples.NFE counts network passes (two per evaluation when guided).
//
// SampleRequest.Init and StartTime t0 warm-start the solver (RTI-DP, Chen et al. 2025; DiffusionDrive's
// truncated diffusion): the schedule's rule spaces Steps levels on [TMin, t0] instead of [TMin, TMax], and
// the state starts at alpha(t0) Init, or with Renoise at a draw alpha(t0) Init + sigma(t0) eps of the
// forward process.
//
// # Immiscible diffusion
//
// Options.Immiscible (Li et al. 2024, "Immiscible Diffusion: Accelerating Diffusion Training with Noise
// Assignment", NeurIPS) draws the step's noise before the objective noises the batch and hands each example
// noise near it, so that each noisy input stays close to its own example instead of mixing all of them:
//
//	assign:  e_1..e_B ~ N(0, I) from ChaCha8(seed, "train/immiscible", step),
//	         pi = argmin over permutations sum_b ||x0_b - e_pi(b)||^2,  eps_b = e_pi(b)
//	knn:     e_b1..e_bk ~ N(0, I) per example,  eps_b = argmin_j ||x0_b - e_bj||^2
//
// then x_t = alpha(t) x0_b + sigma(t) eps_b as usual (diffusion.NoiseObjective: the objective draws only the
// times, from its own stream). assign solves the linear assignment exactly (internal/assign, the shortest
// augmenting path method of Jonker & Volgenant, O(B^3)); the noise batch is the same set of Gaussian draws,
// only reordered. knn is the K-nearest variant of "Improved Immiscible Diffusion" (Li et al. 2025, KNN noise
// selection; k = 4 in the authors' flow-matching code): cheaper (O(B k D)) but not a permutation, so the
// noise given an example is no longer N(0, I): it leans towards the example, more so with larger k.
//
// The distance is the squared Euclidean one over the example's free entries: positions of Inpaint carry
// the clean value in the network's input, their noise is discarded, and they do not enter it. Conditions
// (Source.CondDim) are not part of the example and never enter it. Each difference and square is taken in
// float32 and summed in float64. The example is the normalised window the network sees (a geometric run's raw
// coordinates: with a learned prior the process runs on x0 minus the prior, which the trainer cannot see, so
// the distance is to x0 itself).
//
// Deviations: the paper assigns on the (unsquared) Euclidean distance in float16; the squared distance here
// makes the assignment the batch's discrete optimal-transport (W2) coupling and the knn choice is the same
// under both. Objective kind regression (no noise) and EDM with a PFGM++ kernel (non-Gaussian noise drawn
// inside the objective) refuse the option. Runs trained with it log losses on assigned noise; Trainer.HeldOutLoss
// (trajdiff loss) scores checkpoints with independent noise, comparable across runs.
//
// # Regression
//
// Objective kind "regression" (ObjectiveRegression) fits a regressor, nn arch "regressor" (no time input),
// to entries of the same windows: data.inputs and data.targets list window entries "STEP:COMPONENT" (the
// syntax of data.condition), x_b = x0_b[inputs] and y_b = x0_b[targets] in normalised units, with
//
//	L = mean_b ||f(x_b) - y_b||^2 / len(targets)       nn.RegressionGraph (the mean squared error)
//
// and the network's in and out equal to len(inputs) and len(targets). Everything else is the denoising
// run's: the optimiser, schedule, clipping, EMA, checkpoints (which record the input and target positions),
// metrics.jsonl and bit-identical resume. Decision Diffuser's inverse dynamics a_t = f(s_t, s_{t+1}) is
// horizon 2, inputs the observations at steps 0 and 1, targets the action at step 0
// (configs/invdyn-umaze-small.toml). Load of such a run gives a Model whose Predict maps raw input vectors
// to raw outputs through the normalisers (the weights chosen as for sampling), and whose Inputs and Targets
// say which entries those are; Sample on it, and Predict on a denoising model, are ErrBadRequest.
//
// The regressor is nn arch "regressor" (an MLP) or "seq_regressor" (a transformer encoder over the inputs
// read as tokens of token_dim values, inputs [k token_dim, (k+1) token_dim) being token k: list data.inputs
// token by token; it predicts from the last token).
//
// # Targets as increments
//
// data.relative_to, one entry per target, names a base among data.inputs (same component) for the targets
// to be fitted as increments ("" leaves a target as it is): with d = y - x[base] in normalised units,
//
//	the regressor fits (d - Mean) / Scale,   Predict gives x[base] + Mean + Scale f(x)
//
// where Mean and Scale are d's mean and standard deviation over the source's first 64 batches, measured when
// the run begins and kept in the checkpoint (State.Increments, Increment). A dynamics model of small steps
// is the case: fitting s_{t+1} itself, a small network's error exceeds the step and compounds over a
// rollout; fitting s_{t+1} - s_t does not (Nagabandi et al. 2018).
//
// # Returns-to-go in regressions
//
// data.inputs and data.targets also take "returns" and "returns@STEP" (ParseRegressionEntry): the discounted
// return-to-go of the window's episode at window step STEP ("returns" is "returns@0"; negative STEP counts
// from the end),
//
//	R(t0 + STEP) / returns_scale,  R(t) = sum_{k>=0} discount^k r_{t+k}  (to the episode's end; 0 past it)
//
// computed exactly as the "returns" condition item (one backward pass per episode), with data.returns_scale
// required and data.discount (default 0.99), and not further normalised. The regression example is then the
// window followed by the returns-to-go of its steps (position horizon*transition + STEP). Such an entry is
// WindowEntry{T: STEP, C: ReturnsComponent}; Model.EntryName, InputNames and TargetNames call it
// "returns@STEP", and Model.Predict takes and gives it in the data's units (divided by, and multiplied back
// by, returns_scale). Trajectory Diffuser's critic Q(s, a) (Du et al. 2024) is horizon 1, inputs the action
// and observation at step 0, targets ["returns"] (configs/td-critic-umaze-small.toml); its draft model is a
// seq_regressor from (s_k, returns@k), k = 0..K-1, to (s_K, returns@K) (configs/td-draft-umaze-small.toml).
//
// # Value models on noisy windows
//
// Objective kind "value" (ObjectiveValue) trains Diffuser's value function J_phi(x_t, t) (Janner et al.
// 2022, section 3.2; the reference's ValueDiffusion on ValueDataset): a window x0 of the data, normalised
// as a denoiser's, is noised by the objective's process (which must be the denoiser's) at t uniform on
// [TMin, TMax], x_t = alpha(t) x0 + sigma(t) eps, and the "regressor" MLP maps x_t and ValueTimeFeatures
// features of t (cos and sin of pi k u, u = (t - TMin)/(TMax - TMin), k = 1..4) to
//
//	R(t0) / returns_scale,   R(t0) = sum_{k>=0} discount^k r_{t0+k}   (the window's episode from its first step)
//
// with the mean squared error, through the regression loop (optimiser, EMA, checkpoints, resume). Step and
// example key t and eps (stream "train/value"). Model.ValueGradient returns J and dJ/dx_t (nn.RegressorInputGrad)
// on normalised windows; SampleRequest.CorrectX0 lets a planner move x0-predictions with it
// (rl/diffuser.ValueGuide). The reference's ValueFunction is half a temporal U-Net: network arch
// "temporal_value" (nn.TemporalValue, horizon and transition those of the data, one output) is that model,
// and it reads t itself after the window (in = horizon*transition + 1) through its sinusoidal time MLP, as
// the denoisers read NetTime = t, instead of the MLP's features; its input gradient is taken the same way
// and the time column's is dropped (configs/diffuser-umaze-value-unet-small.toml). The MLP
// (configs/diffuser-umaze-value-small.toml) is the deviation kept for comparison. A temporal_value is
// refused by objective kind regression, which has no noisy window or time to give it.
package train
