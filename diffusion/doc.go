// Package diffusion is trajdiff's core: noise processes, parameterisations, training objectives, time
// schedules and the fast samplers, all independent of any neural network.
//
// # Processes
//
// A Process is an affine Gaussian path x_t = alpha(t) x0 + sigma(t) eps on t in [0, TMax] with half log
// signal-to-noise ratio lambda(t) = log(alpha/sigma):
//
//	edm         alpha = 1, sigma = t                          Karras et al. 2022 (EDM)
//	ve          alpha = 1, sigma = t, sigma 0.02..100          Song et al. 2021 (SMLD), EDM's time
//	vp-linear   log alpha = -(b1-b0) t^2/4 - b0 t/2            Song et al. 2021 (VP SDE), Ho et al. 2020
//	vp-discrete DDPM's 1000-step chain, piecewise log-linear   Ho et al. 2020; Lu et al. 2022
//	vp-cosine   alpha^2 = f(t)/f(0), f = cos^2(pi/2 (t+s)/(1+s)) Nichol & Dhariwal 2021
//	vp-sigmoid  alpha^2 = (sig(3) - sig(6t - 3))/(sig(3) - sig(-3))  Jabri et al. 2023 (WDNO's smoke schedule)
//	flow        alpha = 1 - t, sigma = t                       Liu et al. 2023; Lipman et al. 2023
//	trig        alpha = cos(pi t/2), sigma = sin(pi t/2)       Albergo & Vanden-Eijnden 2023
//	interpolant alpha = 1 - t, sigma^2 = b^2 t^2 + a t (1-t)   Albergo et al. 2023b (from a reference + base noise b)
//
// The PF-ODE of every one of them is dx/dt = alpha' D + sigma' (x - alpha D)/sigma, with D(x, t) = E[x0 | x_t = x]
// the Denoiser. Predictions (x0, eps, v, score, velocity) are all linear in (x, x0), see Prediction, so a network
// of any parameterisation becomes a Denoiser with FromPrediction; EDMPrecond is EDM's preconditioning wrapper.
// PFGMPP is the PFGM++ perturbation kernel aligned with EDM (Xu et al. 2023).
//
// # Training
//
// An Objective maps a clean example to (network input, target, weight): DenoisingObjective covers the eps, x0
// and v losses, flow matching and min-SNR-gamma weighting (Hang et al. 2023); EDMObjective is EDM's
// preconditioned loss with log-normal sigma, optionally with PFGM++ noise.
//
// # Sampling
//
// A Schedule gives n noise levels from TMax to TMin and then 0 (Karras, uniform t, uniform log-SNR, quadratic,
// DDPM's leading/trailing/linspace spacings, an explicit list, or a searched ScheduleFile). A Solver compiles a
// schedule into a Plan: a straight-line program of denoiser evaluations and linear combinations x_next = sum_i c_i buf_i whose
// coefficients are computed once on the host in float64. One Executor runs every solver:
//
//	euler, heun              Karras et al. 2022, Algorithms 1-2 (with churn)
//	euler-maruyama           reverse SDE, Song et al. 2021
//	ddim, ddpm               Song, Meng & Ermon 2021; Ho et al. 2020 (DDIM with eta = 1: variance beta-tilde)
//	ddpm-large               Ho et al. 2020 with the large variance sigma_t^2 = beta_t (GeoTDM's sampler)
//	dpm-solver-1/2/3         Lu et al. 2022, singlestep, noise prediction
//	dpmpp-2m/3m, -2m-sde     Lu et al. 2022b, multistep, data prediction
//	unipc-1/2/3 (bh1, bh2)   Zhao et al. 2023; corrector without extra evaluations, order p+1
//	deis-1/2/3               Zhang & Chen 2023, tAB-DEIS
//	pndm, plms, ipndm        Liu et al. 2022; Zhang & Chen 2023
//	hb-pndm, ghvb-pndm, hb-dpmpp  Wizadwongsa et al. 2023, momentum
//	dpm-solver-v3-1/2/3      Zheng et al. 2023, multistep predictor-corrector on empirical model statistics
//
// and ReferenceSample is an adaptive Dormand-Prince 5(4) integration of the PF-ODE used as ground truth.
//
// # Searched schedules
//
// ScheduleSearch learns a solver's time grid for one denoiser and one NFE budget without data, in the manner
// of AutoDiffusion (Li et al. 2023), USF (Liu et al. 2023) and S^3: it minimises the
// pathwise RMSE between the solver's samples and ReferenceSample's from the same calibration noise,
//
//	min over t_1 > ... > t_{n-1} of sqrt(mean |x_solver(z; t) - x_ref(z)|^2),   t_0 = TMax, t_n = 0,
//
// over grids parameterised monotonically by softmax increments in lambda = log(alpha/sigma) and a free
// smallest level (scheduleParams), derivative-free: random exploration keyed by a seed, then Nelder-Mead with
// restarts, from the best built-in schedule, whose loss is kept, so the result is never worse on the
// calibration set. A ScheduleFile stores the grid with what it was searched for (process and its log-SNR at
// every level, solver, NFE, denoiser, calibration, losses); NewSchedule loads one for any name ending in
// .json. It refuses another process or step count (and PlanForNFE another budget) and accepts another
// solver, naming the searched one in its Name. Deviations: S^3's per-step coefficients are not searched
// (the orders are, below); the loss is the endpoint error only (USF also matches intermediate states).
//
// Per-step orders (S^3; USF, Liu et al. 2023): a multistep method of order p may take step i at any order
// k_i in 1..min(p, outputs in its history), each step's update being the order-k_i formula on the k_i newest
// outputs. DPMSolverPP and UniPC take such a sequence in Orders (StepOrderSolver; UniPC's corrector follows
// the predictor's order, as by default); it compiles to an ordinary Plan, the default sequence to the
// default plan bit for bit, all ones to DDIM (and UniPC-1 with the corrector), and a sequence that falls to
// order q on a fixed fraction of the steps converges at order q (q + 1 with UniPC's corrector), which the
// tests measure. The final step to t = 0 is first order in both families. With SearchOrders the
// ScheduleSearch also optimises the orders, alternating: the grid with the default orders (exactly the
// grid-only search, so the joint result is never worse than it on the calibration batch), then coordinate
// descent over the orders of each step with the grid fixed (deterministic sweeps of sum_i (k_i - 1)
// evaluations), then the grid again with the new orders, while the orders change (at most three times);
// the check batch selects among all improving (grid, orders) pairs. The ScheduleFile records the orders, and ScheduleSolver (applied by
// PlanForNFE and every command that samples) runs them with the solver they were searched for only.
// Inpaint, Guided (classifier-free guidance) and RunOptions.CorrectX0 condition any solver.
//
// DPM-Solver-v3 needs Statistics, the per-coordinate l, s, b of the paper, estimated by ComputeEMS from any
// Denoiser on a calibration set (Jacobian diagonal for l, least squares along the flow for s and b; the same
// noise at every log-SNR keeps them smooth) and stored as safetensors with the process they belong to (EMS.Save,
// LoadEMS refuses them for another process, parameters or dimension). Its coefficients differ per coordinate,
// so its plans use OpCombineDim, an affine combination with per-dimension coefficient vectors broadcast over
// the batch; the CPU executor runs it and so does the GPU executor (gpu.Compile). Deviations from the
// paper: the step's integrals of the statistics are computed spectrally (exact to rounding for smooth
// statistics) instead of by the trapezoidal rule on the statistics grid, plan times need not lie on that
// grid, the calibration set is noised data rather than sampled trajectories, and the last interval to t = 0
// is the data step x = D like every solver here.
//
// Two conventions keep every solver finite at the ends of the path. The last step goes to t = 0 (sigma = 0
// exactly); exponential-integrator solvers take their first-order step there, which returns D. From zero
// signal (alpha = 0, lambda = -Inf: flow and trig at t = 1) every solver takes the exact first-order data step,
// and multistep histories drop outputs from there, whose weights vanish in that limit.
//
// # Stochastic interpolants
//
// Interpolant is the path x_t = alpha(t) x0 + beta(t) x1 + gamma(t) z between two distributions of Albergo,
// Boffi & Vanden-Eijnden (2023), not only from noise to data (LinearInterpolant, TrigInterpolant; gamma =
// sqrt(a t (1-t))). Its velocity b = E[alpha' x0 + beta' x1 + gamma' z | x_t] and latent denoiser
// eta = E[z | x_t] are the minimisers of quadratic regressions on the targets of InterpolantExample;
// InterpolantSampler integrates the probability-flow ODE (Heun) or, with diffusion eps(t) = Eps gamma(t),
// the SDE dX = (b - Eps eta) dt + sqrt(2 Eps gamma) dW with the same marginals (Euler-Maruyama).
// GaussianCoupling gives both fields in closed form for jointly Gaussian ends, the reference of the tests.
// For forecasting, where x0 is the present state plus base noise (a data-dependent coupling, Albergo et al.
// 2023b) and the linear interpolant is used, the two Gaussian terms merge and the interpolant becomes an
// ordinary Process, InterpolantProcess, around a reference x_r: alpha = 1 - tau, sigma^2 = Base^2 tau^2 +
// Latent tau (1-tau). Then one x0-predictor gives b and eta, the trainer and every solver run it unchanged
// (its PF-ODE is the interpolant ODE: tested), and the stochastic solvers are its SDEs; a network adds the
// reference as EGTN adds GeoTDM's prior (nn.SignalUser). InterpolantProcessFields takes the two fields
// from two networks of one InterpolantProcess instead (a velocity network's drift, an eps network's eta),
// each read in its own coordinates x - tau x_r.
//
// # Inverse problems
//
// REDDiff is the variational sampler of Mardani et al. (2023, RED-Diff): given measurements y = H x + noise of
// a linear Operator (Mask for inpainting, SparseOperator and NewSelection for sparse sensors, or any type with
// Apply and Adjoint), it fits the mean mu of every problem by Adam on
//
//	||y - H mu||^2/(2 sigma_y^2) + w_t <sg(eps_hat(alpha_t mu + sigma_t eps, t) - eps), mu>,  w_t = lambda sigma_t/alpha_t,
//
// one step and one denoiser evaluation per time of a descending schedule, with eps_hat derived from the
// denoiser's x0-prediction and no derivative of the network (lambda = 0.25, lr 0.1 in the paper). For a
// Gaussian prior N(m, S) the expected regulariser gradient is lambda sigma_t^2 (alpha_t^2 S + sigma_t^2 I)^-1 (mu - m):
// at a fixed t RED-Diff is the MAP estimate under that effective Gaussian precision, which the tests check
// against the closed form (it is not the Bayes posterior of N(m, S)). Entries a model was trained to be given
// clean (the condition of an inpainting-trained model, padding) are held at their values by Fixed: they are
// shown clean in every noisy copy and never updated (pde/wdno's state estimation uses this).
//
// # Inference-time scaling with a reward
//
// ParticleSearch spends a fixed budget B of denoiser evaluations per output (counted per point) on
// maximising a user Reward r(x0) of the sample, in the manner of Kim et al. 2025 ("Inference-Time Scaling
// for Flow Models via Stochastic Generation and Rollover Budget Forcing"). Diversity between particles comes
// from the SDE family with the probability-flow ODE's marginals,
//
//	dx = [f x - (1+eta^2)/2 g^2 grad log p_t(x)] dt + eta g dw,   f = alpha'/alpha, g^2 = -2 sigma^2 lambda',
//
// discretised by DDIM(eta) (eta = 0 the ODE, eta = 1 DDPM's ancestral sampler), whose step draws from
// the exact posterior with variance scaled by eta^2. Particles are scored on their x0-predictions
// D(x_t, t), which cost no extra evaluation. BestOfN runs N = B/NFE independent samples of any solver and
// keeps the best; ParticleResample runs K = B/NFE particles and, after the evaluation at chosen steps,
// replaces them by K draws from softmax(r/T) (multinomial) or by copies of the top k (greedy), keeping the
// best final particle; ParticleRollover (rollover budget forcing) keeps one trajectory: N0 initial noises
// are scored at TMax, then each step draws candidate next states one evaluation at a time and moves to the
// first that beats the best reward so far, the unused part of the step's quota floor((B-N0)/(S-1)) rolling
// over to the next step (else it moves to the step's best candidate); the last searched step spends what is
// left, so every method uses exactly B. With a constant reward every method returns one particle of its
// sampler, so its law is unchanged. Resampling and rollover need a solver that carries only the state from
// step to step (checked on the plan; multistep solvers are refused). As in the paper's code, acceptance
// compares with the best reward so far, which a move forced by an exhausted quota leaves unchanged.
// Deviations: no interpolant conversion (the process is the model's); the last searched step takes no
// early exit and spends what is left (the paper's loop stops when the budget runs out at any step); the
// final step to t = 0 is the sampler's noise-free data step.
//
// # Verification
//
// GaussianMixture gives the exact denoiser of any Gaussian mixture under every process, and FlowMap the
// closed-form PF-ODE transport of a single Gaussian. The tests check each solver's convergence order against
// both, the published sampler loops step for step against NumPy reference runs (testdata/reference.json,
// written by scripts/diffusion/gen_reference.py), and the stochastic samplers' moments on 20k samples.
// DPM-Solver-v3 is exact to rounding on Gaussian data with the closed-form statistics (GaussianStatistics),
// matches testdata/dpmsolver_v3_ref.json (scripts/diffusion/dpmsolver_v3_ref.py, the paper's update in NumPy)
// to 1e-11, and converges at its order on a mixture with estimated statistics.
//
// One finding of those tests: the third-order multistep DPM-Solver++(3M) as published in the DPM-Solver
// reference code, diffusers and k-diffusion weights its second divided difference by alpha h phi_3(-h) where
// the Taylor expansion of the exact solution requires 2 alpha h phi_3(-h); it is then not exact for quadratic
// x0-predictions and converges at second order. DPMSolverPP uses the third-order weight; DiffusersCompat
// restores the published one.
package diffusion
