// Package pde holds the pieces shared by trajdiff's PDE solvers and dataset generators; the solvers live
// in its subpackages:
//
//	advection  u_t + beta u_x = 0, periodic; exact shift and a MUSCL finite-volume scheme (PDEBench)
//	burgers    u_t + (u^2/2)_x = nu u_xx + f, Dirichlet; forward-Euler central scheme with control
//	           (WDNO / DiffPhyCon), WDNO presets, the control objective, its exact discrete adjoint and
//	           the optimal control (L-BFGS), and the Cole-Hopf exact solution
//	cns        1-D compressible Navier-Stokes, MUSCL-Hancock + HLLC, viscosity by Strang splitting,
//	           Toro's exact Riemann solver (PDEBench)
//	smoke      2-D incompressible smoke in a box with exits, MAC grid, multigrid-preconditioned CG
//	           projection, conservative semi-Lagrangian density advection, control band (WDNO)
//
// # Determinism
//
// Every generator draws trajectory i of a dataset with seed s from its own random stream,
// TrajectoryRNG(s, i): a ChaCha8 generator keyed by (s, i). A trajectory therefore depends only on
// (s, i) and the resolution parameters (and, through math/rand/v2's ChaCha8 stream and its Float64 and
// NormFloat64 conversions, on the Go release), never on the number of workers or on how the index range
// is split into shards; RunOrdered runs the trajectories of one range in parallel and hands them to the
// writer in index order. Shard gives the contiguous index block of shard i of n.
//
// # Datasets
//
// Each subpackage's Generator is a FieldSystem: it knows its fields-dataset layout (FieldSpec), maps a
// trajectory to a row (Row) and names its parameters for the metadata. WriteFields writes shard i of n
// of any FieldSystem's trajectories as a fields dataset on a pool of solvers, with a progress callback
// and cancellation; `trajdiff simulate` only maps its flags to a Generator and calls it. A Generator that
// is also a BatchFieldSystem (burgers) is handed contiguous blocks of trajectories for its batched
// solver, with the same rows.
//
// # Errors
//
// Parameter checks run before any time step and return errors wrapping ErrInvalidParams. A solver that
// meets a NaN or Inf stops and returns a *BlowUpError naming the step, time and grid location.
package pde
