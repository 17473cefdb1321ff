// Package burgers solves the controlled 1-D viscous Burgers equation of WDNO (Hu et al. 2024, "Wavelet
// Diffusion Neural Operator") and DiffPhyCon (Wei et al. 2024):
//
//	u_t + (u^2/2)_x = nu u_xx + f(x, t),   x in [0, 1],   u(0, t) = u(1, t) = 0,   nu = 0.01.
//
// # Grids
//
// Data live on a coarse vertex grid x_j = j/(N+1), j = 1..N (N = Params.Cells, default 128, the
// DiffPhyCon layout). The solver runs on a fine grid with r = Params.Refine times more intervals,
// x_i = i/(M+1), i = 1..M, M = r(N+1) - 1, so that coarse point j is fine point r j and the stored
// state is the fine solution injected onto the coarse points. Inputs given on the coarse grid (initial
// state, control) are carried to the fine grid by linear interpolation, with u = 0 at both walls and
// the control extended by a constant. Because the generator itself feeds the solver coarse inputs,
// re-running the solver on a stored (u0, f) pair reproduces the stored trajectory bit for bit.
//
// # Scheme
//
// Forward Euler in time with second-order central differences in space, the scheme of the WDNO and
// DiffPhyCon data generators:
//
//	u_i' = u_i - dt (u_{i+1}^2 - u_{i-1}^2)/(4 dx) + nu dt (u_{i+1} - 2 u_i + u_{i-1})/dx^2 + dt f_i,
//
// with zero ghost values at the walls. Its truncation error is O(dt + dx^2); with dt tied to dx^2 by a
// fixed diffusion number d = nu dt/dx^2 the scheme is second order in dx, which the tests check against
// the Cole-Hopf solution. Von Neumann stability of this FTCS scheme needs d <= 1/2 and
// |u| <= sqrt(2 nu/dt); the first is checked before running, the second (with NaN and Inf) every 8 steps, and a violation
// stops the run with a *pde.BlowUpError naming the step and grid point.
//
// The horizon T (default 1) is cut into K = Params.Frames control intervals (default 10; the stored
// trajectory has K+1 state frames u(t_k), t_k = k T/K). The control is held constant on each interval,
// as in both papers, and each interval takes StepsPerFrame Euler steps, by default the smallest number
// with d <= Params.DiffusionNumber (0.4). With the defaults: M = 515 fine points, dx = 1/516,
// 666 steps per interval, dt = 1.5015e-4, d = 0.3998.
//
// # WDNO presets
//
// WDNOParams is WDNO's reference configuration in this layout: nu = 0.01, T = 8, N = 120 stored points,
// K = 80 intervals (a trajectory holds 81 x 120 states; a dataset row adds a zero control row after T,
// 81 x 120 controls, WDNO's model layout), refinement 16 and 7680 steps per interval, so dt = 1/76800
// is exactly WDNO's and d = nu dt/dx^2 = 0.4880. WDNOSmallParams is the reduced configuration (WDNO's
// first super-resolution level): N = 60, K = 40 (41 x 60 states), refinement 4 (243 solver points),
// 480 steps per interval, dt = 1/2400, d = 0.2481. `trajdiff simulate burgers --preset wdno|wdno-small`
// selects them. Deviations from WDNO's generator:
//
//   - grid: 16*121 - 1 = 1935 solver points x_i = i/1936, of which the stored x_j = j/121 are every 16th,
//     instead of WDNO's 1920 points x_i = i/1921 subsampled by 16 (d = 0.4805 there);
//   - control time: the control is held constant on each of the 80 stored intervals, evaluated at
//     tau_k = (k+1)/81, whereas WDNO's solver steps through 1280 time stamps tau = linspace(1/1281,
//     1280/1281) (480 Euler steps each) and stores every 16th; WDNO's stored (u0, f), re-simulated with
//     f held per interval, only approximates its stored trajectory, while this package's reproduces it
//     bit for bit.
//
// # Data distribution (WDNO)
//
// Initial state u0 = A1 g(c1, s1) + A2 g(c2, s2), g(c, s) = exp(-(x-c)^2/(2 s^2)), c1 ~ U[0.2, 0.4],
// A1 ~ U[0, 2], s1 ~ U[0.05, 0.15], c2 ~ U[0.6, 0.8], A2 ~ U[-2, 0], s2 ~ U[0.05, 0.15]. Control
// f(x, tau) = sum_{j<8} a_j exp(-(x-mx_j)^2/(2 sx_j^2)) 2 exp(-(tau-mt_j)^2/(2 st_j^2)) with a_0 ~
// U[-1.5, 1.5], a_j = B_j U[-1.5, 1.5] for j >= 1 (B_j ~ Bernoulli(1/2)), mx, mt ~ U[0, 1] and
// sx, st ~ U[0.1, 0.4], evaluated on the coarse grid at the normalised interval times
// tau_k = (k+1)/(K+1) (WDNO's linspace(1/(K+1), K/(K+1), K)). The partial-control variant masks f to
// x < 1/4 or x >= 3/4 and uses the factor 4 instead of 2.
//
// # Control objective
//
// J = mean_j (u_j(T) - u*_j)^2 + w sum_{k,j} f_{k,j}^2 on the coarse grid (WDNO reports w = 2e-5 with
// the target u* taken as a test trajectory's own final state). ControlObjective re-runs the solver
// under a control trajectory and returns J.
//
// # Adjoint and optimal control
//
// Adjoint computes J and its exact gradient with respect to the coarse control f (K x N) through the
// discrete scheme above: the reverse-mode derivative of the very operations the solver performs, so
// it agrees with finite differences of ControlObjective to rounding, not to O(dt + dx^2). Write one
// step as u^{s+1} = A(u^s) + dt P f_k, with alpha = dt/(4 dx), beta = nu dt/dx^2 = d,
//
//	A(u)_i = u_i - alpha (u_{i+1}^2 - u_{i-1}^2) + beta (u_{i+1} - 2 u_i + u_{i-1}),   u_0 = u_{M+1} = 0,
//
// P the coarse-to-fine interpolation of the control (constant extension at the walls) and E the
// injection u_j(T) = u^{KS}_{r j} (S = StepsPerFrame). With lambda^s = dJ/du^s on the fine grid:
//
//	lambda^{KS}_i   = 2 (u_j(T) - u*_j)/N   at i = r j, 0 elsewhere                (E^T of the misfit)
//	lambda^s_i      = lambda^{s+1}_i + beta (lambda^{s+1}_{i-1} - 2 lambda^{s+1}_i + lambda^{s+1}_{i+1})
//	                  + 2 alpha u^s_i (lambda^{s+1}_{i+1} - lambda^{s+1}_{i-1}),   lambda_0 = lambda_{M+1} = 0
//	dJ/df_k         = dt P^T sum_{s = kS}^{(k+1)S - 1} lambda^{s+1} + 2 w f_k,
//
// the transpose of the step's Jacobian (a discrete -lambda_t = u lambda_x + nu lambda_xx run backward
// from T). The backward sweep needs every u^s: the forward sweep keeps the fine state at the start of
// each control interval (K x M values) and the backward sweep recomputes each interval from it, whole
// when its S x M states fit an 8 MiB tape (WDNOSmallParams: 480 x 243), otherwise in blocks of
// ceil(sqrt(S)) steps from block checkpoints (WDNOParams: blocks of 88 steps, 2 x 88 x 1935 values;
// storing everything would take 80 x 7680 x 1935 = 1.2e9 values). A gradient costs about three
// forward solves (four with blocks): measured 0.024 s CPU at WDNOSmallParams (5 ns per fine point and
// step, all sweeps) and 8 s at WDNOParams (7 ns).
//
// OptimalControl minimises J from a zero (or given) control with L-BFGS (10 pairs, two-loop
// recursion) and a weak-Wolfe line search by doubling and bisection that treats a blow-up of the
// forward solve as J = +Inf and shortens the step; pairs with s.y <= 0 are skipped and a failed search
// restarts from steepest descent. (gonum's optimize.LBFGS is not used: its More-Thuente search
// interpolates the cost and cannot take +Inf, its Backtracking search checks only the decrease, which
// lets its L-BFGS keep pairs with s.y <= 0, and it asks for the cost and the gradient separately,
// where one adjoint pass gives both.) The result is the achievable optimum of
// WDNO's control task, the baseline a learned controller's J compares with: on three WDNO-small
// trajectories with their own final states as targets and w = 2e-5 it reached J = 1.9e-3, 5.5e-4 and
// 4.9e-4 against 0.20, 0.17 and 0.096 without control (and 0.37, 0.043 and 0.022 under the data's own
// control, which reaches the target exactly but spends 45 to 200 times more energy) in 76, 100 and 100
// iterations (100 is the default cap) of about 40 ms each.
//
// # Exact solution
//
// ColeHopf evaluates the unforced solution through the Cole-Hopf transform u = -2 nu phi_x/phi,
// phi_t = nu phi_xx. u = 0 at both walls is phi_x = 0 there, so phi is the heat flow of the even,
// 2-periodic extension of phi0 = exp(-Phi/(2 nu)), Phi(x) = int_0^x u0, and
//
//	u(x, t) = int (x-y)/t K(x, y, t) dy / int K(x, y, t) dy,  K = exp(-(x-y)^2/(4 nu t) - Phi_e(y)/(2 nu)),
//
// integrated by composite Gauss-Legendre quadrature (gonum/integrate/quad) to about 1e-12.
//
// scripts/pde/burgers_ref.py is a NumPy implementation of the same grids and scheme; the trajectories
// it wrote to testdata/pde/burgers_ref.json agree with this package to 1e-10.
package burgers
