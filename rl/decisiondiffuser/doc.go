// Package decisiondiffuser is Decision Diffuser's planner (Ajay, Du, Gupta, Tenenbaum, Jaakkola and
// Agrawal, "Is Conditional Generative Modeling all you need for Decision-Making?", ICLR 2023; the
// anuragajay/decision-diffuser code) for D4RL's Maze2D, scored closed-loop by rl/planeval. It sits above
// rl (the environments), train (the trained models) and diffusion (the samplers); it does not import the
// other planners.
//
// # Models
//
// Two models trained by `trajdiff train --config`:
//
//   - the state model: windows of H states s_t = (x, y, vx, vy) only (data.columns ["observations"], the
//     limits normaliser, no padding), conditioned on the window's return-to-go
//
//     y = R(t0) / returns_scale,   R(t0) = sum_{k>=0} 0.99^k r_{t0+k}
//
//     through Decision Diffuser's returns MLP joined to the time embedding (data.condition ["returns"],
//     temporal_unet cond_dim 1), dropped with probability p (train.cond_dropout; DD: 0.25) for
//     classifier-free guidance, with the start state inpainted (data.inpaint "0:0".."0:3");
//     configs/dd-umaze-small.toml; or, goal-conditioned, on the goal-relative return and the goal
//
//     y = (G(t0), g_t0),   G(t0) = sum_{k>=0} 0.99^k [ |xy_{t0+k} - g_t0| <= 0.5 ],
//
//     where g_t0 is the data controller's target at the window's first step (data.condition
//     ["info:goal_return:0", "info:goal:0", "info:goal:1"], each mapped to [-1, 1] by its range over the
//     data; cond_dim 3; data written by `trajdiff simulate maze2d --goal-returns`, rl.GoalReturns;
//     configs/dd-umaze-goal-small.toml). Such a model plans to any goal (Planner.PlanTo), Multi2D's
//     included;
//
//   - the inverse dynamics a_t = f(s_t, s_t+1): an MLP (s_t, s_t+1) -> 256 -> 256 -> a_t with ReLU,
//     fitted by the mean squared error (objective kind regression; configs/invdyn-umaze-small.toml).
//
// # Planning and acting
//
// At every environment step (Options.ReplanEvery 1, DD's protocol) a window is sampled with the
// observed state clamped at step 0 after every solver step, the condition y* = Options.Return /
// returns_scale, and classifier-free guidance
//
//	eps = eps(x, t, none) + w (eps(x, t, y*) - eps(x, t, none))      (w = Options.Guidance; DD: 1.2)
//
// (train.SampleRequest.Guidance; any solver and step count). The action is f(s_t, plan[1]). With
// Options.WarmTime > 0 every plan after the episode's first is a Real-Time Iteration (Chen et al. 2025,
// RTI-DP): the previous plan shifted by the steps since it was made (Shift) is taken as the state at
// process time WarmTime and denoised by WarmSteps solver steps instead of sampling from noise, which
// cuts the network evaluations per environment step by the ratio of the step counts.
//
// # Deviations from the reference
//
//   - DD has no Maze2D configuration (the paper evaluates D4RL locomotion, Kuka block stacking and
//     Unitree gaits). Here the reward is D4RL maze2d's sparse reward, 1 within 0.5 of the layout's fixed
//     goal, so the return names the maze2d-*-v1 goal implicitly: a model conditioned on these returns
//     serves v1 only, and is refused on Multi2D. For Multi2D the returns are relabelled against the
//     controller's own target (hindsight relabelling, Andrychowicz et al. 2017, with the goal the data
//     was collected for) and the goal joins the condition, as DD conditions on constraints and skills
//     besides returns; plans ask for Options.Return in the data's units (DefaultReturn, the CLI's
//     default: 0.9 of the data's largest goal-relative return, DD's 0.9 of its scale).
//   - The windows come from the dataset re-cut at the goal (rl.SegmentsGoal), as Diffuser's; the returns
//     run to the end of a window's segment.
//   - DD samples 200 DDPM steps with the noise scaled by 0.5; any solver replaces them here, and the
//     x0-predictions may be clipped to [-1, 1] ([sample] clip_x0).
//   - DD trains the diffusion and inverse-dynamics losses jointly ((L_diff + L_inv) / 2); here they are
//     two runs of the shared trainer, which is the same optimum for separate parameters.
//   - Options.Controller ControllerPD replaces the inverse dynamics by Diffuser's maze2d controller
//     (an ablation that needs no second model).
//   - Options.Sample replaces Model.Sample as the plans' sampler: `trajdiff plan evaluate --device gpu`
//     injects gpu/fromnn.Sample, which runs the returns condition, guidance and warm starts on the device
//     in float32, so the planner never imports gpu.
package decisiondiffuser
