// Package planeval scores planning agents closed-loop in D4RL's Maze2D, the protocol every planner of
// trajdiff shares (Diffuser in rl/diffuser, Decision Diffuser in rl/decisiondiffuser): planners never
// import each other, and all of them import this package. It sits on rl (the environments) and knows
// nothing of networks or samplers: an Agent is a function that makes an rl.Policy for one episode.
//
// # Episodes
//
// An episode resets D4RL's way (rl.Maze.Reset: a uniform empty-or-goal cell plus U(-0.1, 0.1) per axis,
// velocity N(0, 0.1^2)); the target is the layout's goal cell (maze2d-*-v1) or, with EvalConfig.Multi,
// drawn like D4RL's set_target (a uniform empty-or-goal cell plus U(-0.1, 0.1); Diffuser's Multi2D). It
// runs for the registered time limit (300 / 600 / 800 steps, never ending early). Its return R counts
// the steps that end within 0.5 of the target, and its score is D4RL's
//
//	score = 100 (R - REF_MIN) / (REF_MAX - REF_MIN)
//
// with REF_MIN / REF_MAX = 23.85 / 161.86, 13.13 / 277.39, 6.7 / 273.99 (rl.Layout.NormalizedScore).
//
// Episode i of every agent resets from the same seed, derived from (Seed, i) by an internal/stream key,
// and each agent's randomness comes from its own (Seed, agent, i) stream, so results depend neither on
// the number of workers nor on how the episodes are split into shards (EvalConfig.Shard, Merge).
// Complete evaluations made with different seeds pool into one over all their episodes (Pool), so that
// a score can be reported over episodes and seeds.
//
// # Summaries
//
// A summary reports mean +- std/sqrt(n) of the score over episodes with NumPy's population std, as
// Diffuser's read_results does, the mean return, the success rate (ever within 0.5), planning latency per
// plan and the policy's time per environment step (median and 95th percentile, NumPy's linear
// interpolation), network evaluations per plan and per environment step, and the quality of the plans
// (points and segments in walls, step lengths; MeasurePath). Policies that plan report their plans
// through the Reporter interface; the expert (D4RL's waypoint controller) and uniform random actions
// are the baselines (ExpertAgent, RandomAgent).
package planeval
