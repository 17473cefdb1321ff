// Package cns solves the 1-D compressible Navier-Stokes equations of an ideal gas, the PDEBench
// "1D CFD" task (Takamoto et al. 2022):
//
//	rho_t + (rho u)_x = 0
//	(rho u)_t + (rho u^2 + p)_x = (mu u_x)_x
//	E_t + (u (E + p))_x = (mu u u_x)_x,     E = p/(gamma - 1) + rho u^2/2,   mu = 4/3 eta + zeta,
//
// with shear viscosity eta and bulk viscosity zeta (the 1-D normal stress is (4/3 eta + zeta) u_x; as in
// PDEBench there is no heat conduction), gamma = 5/3 by default, on [XL, XR] with periodic or outflow
// (zero-gradient) boundaries.
//
// # Scheme
//
// A second-order finite-volume MUSCL-Hancock scheme (van Leer 1984; Toro 2009, section 14.4):
//
//  1. reconstruct rho, u and p linearly in each cell with the monotonised-central limiter;
//  2. evolve both boundary-extrapolated states by half a step with their flux difference,
//     U_L,R += dt/(2 dx) (F(U_L) - F(U_R));
//  3. take the HLLC flux (Toro, Spruce & Speares 1994) between neighbouring evolved states, with
//     Davis's wave-speed bounds;
//  4. update the cell averages conservatively.
//
// A cell whose extrapolated or evolved states would have non-positive density or pressure uses
// first-order (constant) states instead, as PDEBench does. The viscous terms are integrated by Strang
// splitting around the hydrodynamic step, half a step before and half after, each by explicit
// conservative sub-steps of at most ViscCFL min(rho) dx^2/mu (PDEBench: 0.5 CFL dx^2/mu). The time step
// is dt = CFL dx / max(|u| + c) (CFL 0.5 by default; PDEBench's own scheme uses 0.3), clipped to land on
// the frame times. Because every update is a flux difference, mass, momentum and energy are conserved
// to round-off on a periodic domain; the tests check this to 1e-12 with strong viscosity.
//
// The scheme is second order on smooth flows (tests: an entropy wave against its exact translation,
// and self-convergence with eta = zeta = 0.05) and resolves shocks without oscillations (test: Sod's
// shock tube against SolveRiemann, Toro's exact Riemann solver, itself checked against Toro's Table 4.3).
// A run that meets a non-positive density or pressure or a NaN stops with a *pde.BlowUpError naming the
// step and cell.
//
// # Data distribution (PDEBench "rand")
//
// Density, velocity and pressure are independent PDEBench multi-mode profiles (pde.MultiMode with modes
// k in 1..3 and window probability 0.5, on the normalised coordinate); density and pressure are
// min-max normalised over the cell centres and mapped to M v + B with M, B ~ logU[1, 10] (density) and
// logU[10, 100] (pressure); the velocity is used as drawn. PDEBench defaults: 1024 cells on [-1, 1],
// T = 1, a frame every 0.01 (101 frames), eta = zeta in {1e-8, 1e-2, 1e-1}; the default here is 1e-2.
//
// # Arithmetic
//
// Divisions and square roots dominate the cost of a cell, so the solver rearranges some formulas into
// forms equal in exact arithmetic: the HLLC star flux F_K + S_K (U*_K - U_K) is written over the single
// reciprocal 1/(S_K - S*) (two divisions per face instead of six; see hllc), the flux takes the momentum
// and total energy of the evolved states from the Hancock step instead of recomputing them from (rho,
// u, p), one reciprocal 1/D of each evolved density serves its velocity and its sound speed, and one
// reciprocal 1/rho per cell and step (taken after the hydrodynamic step, the only one that changes rho)
// serves both primitive recoveries and every viscous sub-step. The time-step bound max(|u| + c) is taken
// in the same pass as the primitives.
//
// Every product that is added is written inside a float64 conversion, which keeps the compiler from fusing
// it into an FMA on targets that have one (GOAMD64=v3): the solver rounds every operation on every build,
// as the batch kernels do.
//
// # Batches
//
// BatchSolver solves many trajectories at once, one per lane of a vector register (8 with AVX-512, 4 with
// AVX2), in a slab of padded cells that holds, for each cell, every variable of the step for all lanes
// (structure of arrays within a cell). Each lane keeps its own time step, viscous sub-step count and frame
// clock; the kernels take coefficient vectors, a sub-step runs in every lane with the lanes that have fewer
// held by a mask, and a lane whose trajectory ends takes the next trajectory of the request. The kernels are
// generated (scripts/pde/gen_cns_asm.py) from one vector program per pass: the Hancock states, the HLLC
// fluxes, the update with 1/rho, the viscous sub-step and the primitives. They perform the scalar
// operations in the scalar order, with branches as selections (HLLC picks the upwind side's state before
// its star flux, so a face costs the scalar's two divisions); the Hancock step's first-order fallback is
// recomputed in Go for the flagged cells, and a trajectory whose state turns non-finite or non-positive is
// handed back to Solver, so every trajectory, and every error, is bit-identical to Solver's. The generator
// writes datasets through it (pde.BatchFieldSystem, blocks of BatchBlock trajectories).
//
// scripts/pde/cns_ref.py is a NumPy implementation of the same scheme with the textbook formulas; the
// trajectories it wrote to testdata/pde/cns_ref.json agree with this package to 1e-10 (2e-14 relative
// in practice). scripts/pde/cns_numpy_bench.py is its batched form for benchmarks (docs/benchmarks.md).
package cns
