// Package smoke simulates the 2-D incompressible smoke-control task of WDNO (Hu et al. 2024, "Wavelet
// Diffusion Neural Operator"), after the phiflow setup of its data generator
// (smoke/dataset/a_gen_train.py, evaluate_solver.py): smoke released at the bottom of a closed box
// with obstacles must be steered through the middle one of three top exits by velocities imposed
// outside the box.
//
// # Geometry (WDNOLayout, coordinates of the 128 grid, scaled to N)
//
// Cells are unit squares, row y (upwards) and column x. Solid walls one cell thick: the bottom y = 16,
// x in [16, 112); side walls x = 16 and x = 112 for y in [16, 24), [40, 56), [72, 112) (side exits at
// [24, 40) and [56, 72)); the top y = 112, x in [16, 24), [40, 56), [72, 88), [104, 112) (top exits
// at [24, 40), [56, 72), [88, 104)); posts x = 48 and 80 for y in [64, 80) and [96, 112); a bar
// y = 40, x in [40, 88). Absorbing exit regions (rows, columns): top [112, 128) x [22, 42), [54, 74),
// [86, 106); left [22, 42) and [54, 74) x [0, 16); right the same rows x [112, 128). The target is the
// middle top exit. The domain boundary is open (pressure 0 outside).
//
// # Step (dt = 1)
//
//  1. optionally advect the velocity by itself (semi-Lagrangian on the MAC grid; off in WDNO's data);
//  2. optionally add buoyancy b * density to the vertical velocity (b = 0 in WDNO's data);
//  3. overwrite the velocity of every face whose (row, column) index lies outside [16, 112)^2, the
//     control band, with the control, and close the faces of solid cells (the control is a prescribed
//     band velocity as in WDNO, equivalently a force (c - u)/dt acting only on the band);
//  4. project: solve the pressure Poisson equation A p = -div u on the fluid cells (Dirichlet p = 0
//     outside the domain, no flux through solids) by conjugate gradients preconditioned with a
//     geometric multigrid V-cycle (red-black Gauss-Seidel smoothing, block-sum restriction,
//     piecewise-constant prolongation, averaged coarse face weights, a dense Cholesky solve on the
//     coarsest grid; McAdams, Sifakis & Teran 2010), warm-started from the previous pressure, to a
//     max-norm residual of 1e-8 (WDNO's accuracy); then u -= grad p on the open faces, after which
//     max |div u| equals the final residual;
//  5. advect the density semi-Lagrangian (Stam 1999): trace each cell centre back along the
//     cell-centred velocity and interpolate bilinearly, clamped at the domain edge. By default each
//     source cell's density is renormalised by the total weight with which it was sampled and unsampled
//     cells push their density forward (Lentine, Aanjaneya & Fedkiw 2011), which makes the scheme
//     conserve mass exactly; Params.PlainAdvection gives phiflow's plain scheme;
//  6. move the density inside each exit region to that exit's counter.
//
// A run is Steps + 1 steps (WDNO: 1 + 256); stored frame k is the state after step k Stride (frame 0
// after the initial step; 33 frames at the defaults), on the Save x Save grid: block averages of the
// density and of the cell-centred velocity. The control of frame k is held for the frame's steps and is
// given on the stored grid (band face (y, i) takes stored cell (min(y, N-1)/r, min(i, N-1)/r),
// r = N/Save; WDNO's evaluation upsamples its 64^2 controls the same way), so re-running a stored
// control reproduces the stored trajectory exactly.
//
// # Metric
//
// smoke_out = S_target / (sum of all exit counters + density left in the domain), the fraction that
// left through the target exit; Leakage is the fraction through the other exits. The objective is
// J = -smoke_out(T) + w mean(c^2) (WDNO: w = 0). With mass-conserving advection the counters plus the
// remaining density equal the initial mass to round-off, which the tests check.
//
// # Adjoint and the achievable control
//
// Adjoint computes J and its exact gradient with respect to the stored control by reverse-mode
// differentiation of the scheme above (adjoint.go, adjoint_advect.go): the band overwrite's transpose
// sends each band face's adjoint to its stored cell; the projection u2 = u1 + G A^-1 D u1 (A = -D G
// symmetric) has the transpose u1bar = u2bar + D^T A^-1 G^T u2bar, one more pressure solve per step;
// the advection is linear in the density, and its dependence on the velocity is the derivative of the
// bilinear weights at the traced points (zero where a point is clamped) together with, in the
// mass-conserving scheme, that of the column-sum renormalisation and of the forward pushes. With
// WDNO's physics (no buoyancy, no velocity self-advection, both refused) the velocity is linear in the
// control, so every nonlinearity sits in the transport. J is piecewise smooth: its derivative jumps
// where a traced point crosses a cell centre line. The gradient matches central differences of the
// solver to 1e-6 relative on a 32^2 box, both advection schemes; one gradient costs 2.2 forward runs
// (BenchmarkAdjointGradient). OptimalControl runs L-BFGS on it (pde/internal/lbfgs, shared with
// pde/burgers). From zero control no smoke reaches an exit, and smoke_out's adjoint enters only
// through the density in the exit regions, so its gradient there is exactly zero: the descent needs
// a start that already moves smoke out (WDNO's baseline starts from the dataset's control).
//
// # Data distribution
//
// The smoke is an 11 x 11 square of density 1 at x0 in [22, 97), y0 in [22, 25); the controls follow
// WDNO's waypoint plan (see Generator.Trajectory): legs from the start through three random turns to
// the target exit, leg velocities set in the band at the start of each leg, otherwise the previous
// band velocity plus noise.
//
// # Vector kernels of the pressure solve
//
// On amd64 (without the purego tag) the pressure solve's inner loops run AVX-512 or AVX2 kernels
// (kernel_amd64.s, generated by scripts/pde/gen_smoke_asm.py; the CPU picks, golang.org/x/sys/cpu),
// and the scalar Go loops everywhere else; every kernel gives the scalar loops' results bit for bit,
// because it performs the same IEEE operations in the same order on packed lanes (no FMA; the scalar
// code wraps its products in float64() so that no build fuses them either). The red-black half-sweep
// of colour c updates cells that read only cells of the other colour, which it never writes, so the
// result does not depend on the order of its cells: the kernel computes the uniform update
// (b + v_e + v_w + v_n + v_s)/4 for 8 (4) consecutive cells and stores only those of colour c (a
// k-mask; AVX2 blends the candidate into the loaded values), on whole rows, and afterwards overwrites
// the cells of runs with non-unit face weights with the general update (a general kernel on long runs,
// the scalar expression on short ones). The smoother's four half-sweeps run as one wavefront over the
// rows (half-sweep j four rows behind half-sweep j-1, its general cells two rows behind its uniform
// pass), which reads every value in the same state as running them one after the other (smooth.go).
// The operator A v, the block-sum restriction, the piecewise-constant prolongation and the CG updates
// p += alpha d, r -= alpha q (with max |r|, order-free) and d = z + beta d are vectorised the same way;
// the dot products keep their scalar summation order.
//
// scripts/pde/smoke_ref.py is a NumPy implementation of the same scheme; testdata/pde/smoke_ref.json
// holds two of its runs, which this package matches to about 1e-13.
package smoke
