// Package geometry holds the geometric-trajectory side of trajdiff: the N-body data generators of the
// NRI / EGNN / GeoTDM lineage, E(3) helpers for equivariant models and the trajectory metrics of
// GeoTDM.
//
// # N-body systems
//
// Three systems follow the published generator (synthetic_sim.py of Kipf et al., "Neural Relational
// Inference", ICML 2018, made 3-D by Satorras et al., "E(n) Equivariant Graph Neural Networks", ICML
// 2021, and extended with gravity by Han et al., "Geometric Trajectory Diffusion Models" (GeoTDM),
// NeurIPS 2024), with unit masses and dt = 0.001:
//
//   - Charged: 5 particles, charges +-1, F_i = sum_j q_i q_j (x_i - x_j)/r_ij^3 (no softening).
//   - Springs: 5 balls, springs e_ij in {0, 1} with probability 1/2, F_i = -0.1 sum_j e_ij (x_i - x_j).
//   - Gravity: 10 bodies, a_i = sum_j (x_j - x_i)(r_ij^2 + 0.1^2)^(-3/2) (Plummer softening).
//
// Charged and springs use NRI's update, a leapfrog written kick-drift with a full first kick,
//
//	v_{1/2} = v_0 + dt F(x_0);   x_{i} = x_{i-1} + dt v_{i-1/2};   v_{i+1/2} = v_{i-1/2} + dt F(x_i),
//
// i.e. symplectic Euler started from (x_0, v_0), with every force component clipped to +-0.1/dt = 100.
// A frame is saved every 100 steps after the drift, holding (x_i, v_{i-1/2}); the initial state is not
// a frame, so 5000 steps give 49 frames. The initial state is reflected into the box [-5, 5]^3 once
// (the 3-D generator has the walls of the time loop commented out). Gravity uses GeoTDM's
// kick-drift-kick leapfrog (velocity Verlet) without clipping and saves (x, v, m a) every 100 steps
// starting with the initial state (50 frames).
//
// The update is implemented exactly as published (operation order included: the springs agree with a
// NumPy re-implementation bit for bit), so datasets are comparable with the papers'. Away from the
// clip the maps are symplectic: the energy error stays bounded over 10^5 steps, without drift, and
// the energy at the synchronous velocity is second order in dt; total momentum is conserved to
// rounding. The clip is not a Hamiltonian force and is not rotation equivariant (it acts per
// Cartesian component), so conservation and equivariance hold only while it is inactive; in the
// default charged data 41% of the trajectories (47% over the full 5000 steps) have at least one
// clipped step, a close encounter of opposite charges at r < 0.1. Rounding differences (Gram-matrix distances, BLAS, libm) grow exponentially in
// such encounters, so two faithful implementations agree step by step but not over a whole chaotic
// trajectory; GeoTDM's own script is not reproducible either (joblib workers draw from unseeded
// per-process streams).
//
// Datasets: every trajectory draws from its own ChaCha8 stream keyed by (seed, system/split, index)
// (StreamRNG), so Generate's output does not depend on the number of workers or on sharding. The
// defaults (DefaultSplits, DefaultRun) are GeoTDM's: 3000 / 2000 / 2000 train / val / test
// trajectories of the first 30 frames (10 conditioning + 20 target frames). WriteSplit writes a split
// (or shard i of n of it, internal/shard's contiguous blocks) as a geometric dataset laid out by
// DatasetSpec and DatasetRow: positions, velocities, energies, charges or masses as node features,
// spring edges, gravity's forces.
//
// # E(3) helpers
//
// Transform is g = (R, t) acting on points (R x + t) and vectors (R u). RandomRotation samples the
// Haar measure on SO(3) from a normalised Gaussian quaternion (Shoemake 1992); Centre removes the
// (weighted) centroid. CheckEquivariance tests f(g.x) = g.f(x) for any function of coordinates whose
// input and output blocks are declared invariant, vectors or points.
//
// # Metrics
//
// ADE = (1/TN) sum_{t,i} |x^pred_{t,i} - x_{t,i}|, FDE = (1/N) sum_i |x^pred_{T,i} - x_{T,i}| over the
// predicted frames; SampleMetrics gives their mean over K samples (GeoTDM's N-body protocol, K = 5)
// and the per-trajectory best of K (minADE_K / minFDE_K, K = 20 on ETH-UCY).
package geometry
