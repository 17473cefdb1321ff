// Package advection solves the linear advection equation u_t + beta u_x = 0 on the periodic unit
// interval, the first PDEBench task (Takamoto et al. 2022, "PDEBench: An Extensive Benchmark for
// Scientific Machine Learning").
//
// # Solutions
//
// Exact shifts u(x, t) = u0(x - beta t mod 1) (Shift), and a finite-volume scheme on N cells with centres
// x_i = (i + 1/2)/N, the one of PDEBench's generator:
//
//   - MUSCL reconstruction u_i -/+ s_i/2 with the monotonised-central limiter
//     s_i = minmod((u_{i+1} - u_{i-1})/2, 2 (u_i - u_{i-1}), 2 (u_{i+1} - u_i)) (PDEBench's
//     VL(a, b, c) = sign(c) (1 + sign(ab))/2 min(2 min(|a|, |b|), |c|));
//   - the upwind flux F_{i+1/2} = (beta uR_i + beta uL_{i+1} - |beta| (uL_{i+1} - uR_i))/2;
//   - the midpoint predictor-corrector u* = u + dt/2 L(u), u' = u + dt L(u*).
//
// The scheme is second order on smooth data away from extrema, where the limiter clips the slope; the
// tests measure the L1 order against exact cell averages of a sine (about 2) and the total-variation
// bound on a discontinuous profile.
//
// The time step is the PDEBench CFL rule dt <= CFL dx/|beta| (CFL = 0.4), shortened so that every
// interval between stored frames holds a whole number of equal steps.
//
// BatchSolver runs several trajectories of the same parameters together (point-major lanes, AVX-512 or
// AVX2 assembly on amd64, a Go loop elsewhere), bit-identical to Solver for every trajectory; the
// Generator uses it in blocks of BatchWidth trajectories when pde.WriteFields writes a dataset.
//
// # Data distribution (PDEBench)
//
// u0 = sum of two modes A sin(2 pi k x + phi), k uniform in 1..4, A ~ U[0, 1], phi ~ U[0, 2 pi);
// with probability 0.1 the absolute value is taken; a random sign; with probability 0.1 the profile is
// multiplied by the window (tanh((x - xL)/0.01) - tanh((x - xR)/0.01))/2, xL ~ U[0.1, 0.45],
// xR ~ U[0.55, 0.9]. PDEBench's own generator also adds the constants A sin(phi) of the modes it did not
// select (a side effect of its one-hot mode mask); this package leaves them out. PDEBench defaults:
// 1024 cells, T = 2, a frame every 0.01 (201 frames), beta in {0.1, 0.2, 0.4, 0.7, 1, 2, 4, 7}.
package advection
