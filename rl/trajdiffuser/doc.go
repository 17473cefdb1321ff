// Package trajdiffuser is Trajectory Diffuser's planner (Du et al., "Trajectory Diffuser: Fast Inference of
// Trajectory-Level Diffusion Models with an Autoregressive Draft", ECCV 2024, arXiv 2407.16142; the
// RenMing-Huang/TrajectoryDiffuser code at d76d5a4) for D4RL's Maze2D, scored closed-loop by rl/planeval.
// It sits above rl, train and diffusion and does not import the other planners; the models it shares with
// them are checked by rl/planmodel.
//
// # Models
//
// Four models trained by `trajdiff train --config`:
//
//   - the draft: a transformer regression (nn's seq_regressor) from K tokens (s_k, R_k) of states and
//     returns-to-go to the next pair (s_K, R_K), without a causal mask as in the reference
//     (configs/td-draft-umaze-small.toml; the reference: embeddings 256, 4 layers, 4 heads, ff 512);
//   - the refinement model: a states-only window model conditioned on the return-to-go with condition
//     dropout, the model Decision Diffuser uses (configs/dd-umaze-small.toml);
//   - the inverse dynamics a_t = f(s_t, s_t+1) (configs/invdyn-umaze-small.toml);
//   - the critic Q(s_t, a_t), a regression to the discounted return-to-go R(t)
//     (configs/td-critic-umaze-small.toml).
//
// # Deciding
//
// From the history of states and returns-to-go (the first repeated when it is shorter than K), the draft
// rolls out H-1 states autoregressively. The draft, without added noise, is taken as the state of the
// refinement model at process time RefineTime (TD: step 4 of a 100-step schedule) and Candidates copies
// (TD: 32) are denoised by RefineSteps (TD: 5) ancestral steps with classifier-free guidance on the current
// return-to-go (TD: w 1.1) and the current state clamped at step 0 (train.SampleRequest.Init, StartTime).
// Each candidate's action is a_i = f(s_0, c_i[1]); one candidate is chosen with probability
//
//	P(i) = softmax_i(Q(s_0, a_i) / Temperature)
//
// and its action is taken. The returns-to-go start at Options.Return and follow the rewards as in Decision
// Transformer: R_t+1 = (R_t - r_t) / discount, floored at 0, with r_t = 1 when s_t is within 0.5 of the
// target (D4RL maze2d's sparse reward), and capped at Options.Return. Without the cap a discounted
// return-to-go grows by 1/discount at every step without reward, leaves the data's range after about 80
// steps (return 45, discount 0.99) and reaches 10^5 by step 800 of a Large episode: the models are then
// conditioned far outside what they learnt (before the cap, on 2026-12-07, TD's Medium and Large plans
// jumped several cells per step). The bookkeeping also empties the return-to-go at the goal, where every
// step earns 1: a target of 20 reaches 0 after about 20 steps there, and an agent asked for a return of 0
// leaves. Options.FixedReturn conditions every decision on the target instead, as Decision Diffuser does
// (on maze2d-umaze-v1's reduced models, following each plan for 32 steps, it doubles the return collected
// and raises the score from 10 to 36: docs/benchmarks.md).
//
// The draft is what makes the planner hold a path on long mazes: on Multi2D Large (reduced models, each
// plan followed for 32 steps, the return fixed) TD scores 84.6 on 20 held-out episodes, and 16.3 with the
// same candidates and critic refined from noise instead (Renoise at the process end), which is Decision
// Diffuser's level; on U-Maze the draft adds less, and on maze2d-umaze-v1 it costs points
// (scripts/rl/td_draft_ablation.sh; docs/benchmarks.md, "What Trajectory Diffuser's draft adds").
//
// Only the refinement samples a diffusion model, and Options.Sample hands it to another executor:
// `trajdiff plan evaluate --device gpu` passes the GPU sampler, which runs the warm start, the guidance and
// the clamped start state of all candidates on the device. The draft's rollout (H-1 sequential calls of a
// small transformer), the inverse dynamics and the critic stay on the CPU.
//
// # Deviations from the reference
//
//   - The refinement model is the returns-conditioned states-only model of Decision Diffuser
//     (rl/decisiondiffuser) rather than a separate U-Net of width 64 with dim_mults (1, 2, 4, 8) and RTG
//     dropout 0.5; it predicts eps on the cosine VP process, where TD uses a linear schedule of 100 steps.
//   - The refinement's grid is the schedule's spacing on [TMin, RefineTime] (train's warm start), so five
//     DDPM steps from step 4 of 100 visit nearby but not identical times.
//   - No Maze2D scores or timing protocol of the reference were found (../shared/reference); the claim of
//     3-10x faster planning than earlier sequence-modelling planners is measured here against Decision
//     Diffuser on the same mazes and the same machine.
//   - Like Decision Diffuser's here, the returns of D4RL's reward count steps near the layout's fixed goal,
//     so models trained on them serve maze2d-*-v1 only and are refused on Multi2D. For any goal (Multi2D),
//     the three conditioned models learn the goal-relative return G instead (rl.GoalReturns, data from
//     `trajdiff simulate maze2d --goal-returns`) with the goal as an input: draft tokens (s_k, G_k, g) over
//     the window columns [observations, infos/goal_return, infos/goal] to (s_K, G_K), s_K fitted as its
//     increment over s_K-1 (data.relative_to; configs/td-draft-umaze-goal-small.toml), the state model of configs/dd-umaze-goal-small.toml, and
//     the critic Q(s, a; g) (configs/td-critic-umaze-goal-small.toml). The bookkeeping above is unchanged,
//     r_t already being the reward of the episode's own target; the discount is rl.GoalReturnDiscount.
package trajdiffuser
