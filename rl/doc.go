// Package rl holds trajdiff's decision-making side: environments behind a small Gym-like interface
// (Env, with a vectorised form Vec), D4RL's Maze2D point-mass mazes, D4RL's waypoint-controller expert
// and its offline-data recipe. The planners that use them live in subpackages (rl/diffuser: Diffuser's
// maze2d planner and its closed-loop evaluation), since rl itself never imports nn or train.
//
// # Maze2D
//
// The environment reproduces D4RL's maze2d-{umaze,medium,large}-v1 (Fu et al., "D4RL: Datasets for
// Deep Data-Driven Reinforcement Learning", 2020; d4rl/pointmaze/maze_model.py): the same maze strings
// (Layout), observation (x, y, vx, vy) in MuJoCo's qpos frame, action u in [-1, 1]^2, time limits
// 300 / 600 / 800, sparse reward 1 within 0.5 of the target, resets at a uniform empty-or-goal cell
// plus U(-0.1, 0.1) per axis with velocity N(0, 0.1^2), the fixed target at the 'G' cell (or a random
// target per reset, Diffuser's Multi2D setting), and D4RL's reference returns for normalisation
// (umaze 23.85 / 161.86, medium 13.13 / 277.39, large 6.7 / 273.99).
//
// The dynamics are those of the MuJoCo model, with its constants (see pointmass.go):
//
//   - timestep h = 0.01 and frame_skip 1; the particle is a sphere of radius 0.1 and density 1000, so
//     m = 4/3 pi 0.1^3 1000 ~ 4.1888, on two slide joints with damping b = 1 and motors of gear 100;
//   - MazeEnv.step clips each velocity component to +-5, then MuJoCo's Euler integrator, which treats
//     joint damping implicitly (mj_EulerSkip solves (M + h B) qacc = qfrc_smooth + qfrc_constraint),
//     gives v' = v + h (100 u - b v) / (m + h b) per axis and x' = x + h v' (semi-implicit);
//   - walls are boxes of half-size 0.5 at world (w+1, h+1) and the particle's body sits at world
//     (1.2, 1.2), so in qpos wall cell (w, h) covers [w-0.7, w+0.3] x [h-0.7, h+0.3] while the
//     controller and the resets use integer cell coordinates, as in D4RL.
//
// Contacts: MuJoCo resolves the sphere-box contacts softly (solref 0.02 s time constant, margin 0.002,
// condim 1 = frictionless), which lets the sphere penetrate the wall by a small, velocity-dependent
// amount over a few steps. Here the contact is exact and rigid: the disc's centre is swept along
// h v' against the walls grown by the radius (pushed-out faces and rounded convex corners), stops
// 1e-9 short of the first contact and slides along it with the inward normal velocity removed
// (inelastic and frictionless, like condim 1 with critical damping), at most four times per step.
// The particle therefore never overlaps a wall (tested as a property), whereas in MuJoCo it may
// overlap by up to a few millimetres in a hard impact. Free flight is the same map as MuJoCo's.
// As a check of the whole model, a random policy and D4RL's reference-score protocol for the
// controller (one controller reused across episodes, D4RL issues #159 and #215) reproduce D4RL's
// REF_MIN and REF_MAX within their sampling error (TestReproducesD4RLReferenceScores).
//
// # Expert and data
//
// WaypointController is D4RL's expert (waypoint_controller.py): on a new target cell it runs 50 sweeps
// of tabular Q-iteration on the maze grid (discount 0.99, moves NOOP/UP/DOWN/LEFT/RIGHT, blocked moves
// stay, reward 1 in the target cell; ties go to the first action as np.argmax does), rolls out the
// greedy plan, and places a waypoint at each next cell shifted by -U(0, 1) 0.2 per axis (the last one
// exactly at the target cell), tracked by a = clip(10 (waypoint - x) - v, -1, 1).
//
// GenerateDataset follows generate_maze2d_datasets.py: one stream with a random target; each step
// records (observation, action, target) and steps the environment; when the controller reaches the
// target cell or after max_episode_steps + 1 steps a new random target is drawn and the stream goes on
// without a reset; rewards are relabelled afterwards as the sparse reward of each observation with
// respect to the layout's goal (relabel_maze2d_rewards.py). Each segment becomes an episode ending in
// a timeout. Defaults: 1M / 2M / 4M steps. Two deliberate differences: the stream is cut into
// independent chunks (100k steps by default, each starting with its own reset and random stream) so
// that it can be generated in parallel and sharded deterministically, and the next segment starts
// from the true state (D4RL's loop re-records the stale pre-step observation after each goal change).
//
// WriteDataset writes the recipe (or shard i of n of its chunks, DatasetConfig.ForShard) as an episodes
// dataset in D4RL's layout (EpisodeSpec: observations, actions, relabelled rewards, a timeout on each
// segment's last step, infos/goal); WriteEpisodes does the same into a writer the caller opened. With
// DatasetConfig.GoalReturns it adds infos/goal_return, the discounted goal-relative return-to-go
//
//	G_t = sum_{k>=0} 0.99^k [ |xy_{t+k} - g_t| <= 0.5 ]     (g_t: the controller's target at t, infos/goal)
//
// (GoalReturns), the label of a returns-conditioned planner that serves any goal (Multi2D); D4RL has no
// such column.
//
// Randomness comes from ChaCha8 streams keyed by (seed, purpose, index) (StreamRNG), so results do not
// depend on worker counts.
package rl
