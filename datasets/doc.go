// Package datasets stores and serves the trajectory data of every trajdiff domain in one Apache
// Arrow format: offline-RL episodes, geometric (N-body, molecular) trajectories and PDE fields.
// The exact schemas (column names, types, metadata keys, schema version) are in
// docs/datasets.md, so that any Arrow implementation can read the files without trajdiff.
//
// # Layout
//
// Tensors are Arrow fixed-size lists of float32 (or float64) in row-major order. Episodes have
// one row per time step (episode id, step, observations, actions, rewards, terminals, timeouts,
// infos/*), since episodes differ in length; geometric and field datasets have one row per
// trajectory (positions T x N x D, state T x grid x C, ...). Files are Arrow IPC (memory-mapped,
// zero-copy, optional zstd/lz4) or Parquet (through pqarrow), and a dataset may be a directory
// of shard files. Writers stream record batches cut between trajectories (bounded memory), write
// under a hidden temporary name and rename on Close, so an interrupted write never leaves a file
// that looks complete.
//
// # Statistics and normalisers
//
// Writers accumulate per-component statistics of every float column over its last (feature) axis:
// count n, mean, population standard deviation, min and max. Chunks are reduced in float64 and
// merged with the pairwise update of Chan, Golub and LeVeque (1979, "Updating formulae and a
// pairwise algorithm for computing sample variances"): for parts a and b,
//
//	delta = mean_b - mean_a,  mean = mean_a + delta n_b / n,  M2 = M2_a + M2_b + delta^2 n_a n_b / n,
//
// which also merges the statistics of shards. The normalisers of Diffuser (Janner et al. 2022,
// "Planning with Diffusion for Flexible Behavior Synthesis", code: jannerm/diffuser,
// datasets/normalization.py) are built from them: Gaussian y = (x - mean) / std and min-max
// (LimitsNormalizer) y = 2 (x - min) / (max - min) - 1, whose inverse clips to [-1, 1] first when
// a value lies outside [-1 - 1e-4, 1 + 1e-4].
//
// # Segment sampling
//
// SegmentSampler cuts windows of H steps with Diffuser's index policy (datasets/sequence.py,
// make_indices): for a trajectory of length L and max_path_length P, windows start at
// 0 .. max_start-1 with max_start = min(L-1, P-H), and additionally max_start <= L-H without
// padding. With padding, steps past the end are zeros in raw units, normalised like any value (so
// they read normalize(0)), as in Diffuser's zero-padded, then normalised, replay buffer; a mask
// marks the real steps. Values for value-guided planning follow ValueDataset:
// sum_k gamma^k r[start+k] over the rest of the episode. BatchIterator shuffles with a
// Fisher-Yates permutation driven by PCG-DXSM seeded with (seed, epoch) and Lemire's bounded
// integers (2019), so batches are reproducible and split disjointly across workers.
//
// # Robustness
//
// Opening checks the schema version, kind, spec, column types and shapes, buffer sizes, nulls,
// episode/step order and edge indices, and reports the file, column and row; Validate also scans
// for NaN/Inf. arrow-go decodes IPC flatbuffers without verifying them, so this package verifies
// the footer, schema and message flatbuffers first (fbverify.go) and bounds decompression
// buffers; decoder panics on corrupt bytes are recovered and reported as ErrCorrupt. The readers
// are fuzzed (FuzzOpenIPC, FuzzOpenParquet, FuzzOpenIPCStream).
//
// Importers: NumPy .npy/.npz (package npy, pure Go) with axis names, sGDML MD17 .npz
// (ImportMD17), and D4RL HDF5 (package d4rl, cgo behind the hdf5 build tag).
package datasets
