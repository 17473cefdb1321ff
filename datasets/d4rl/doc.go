// Package d4rl imports D4RL-format HDF5 episode files (Fu et al. 2020, "D4RL: Datasets for Deep
// Data-Driven Reinforcement Learning") into trajdiff episodes datasets.
//
// A D4RL file holds flat arrays over all N steps: observations (N x obs_dim), actions
// (N x act_dim), rewards (N), terminals (N, bool), timeouts (N, bool, newer files) and optional
// infos/* arrays (N x dim, e.g. infos/goal, infos/qpos, infos/qvel); metadata/* entries are
// ignored. Episodes end at the first step whose terminal or timeout flag is set, as in D4RL's
// sequence_dataset and Diffuser's copy of it (datasets.SplitEpisodes).
//
// Reading HDF5 needs the C library: build with `-tags hdf5` and cgo against libhdf5 (Debian:
// libhdf5-dev, found through pkg-config "hdf5"). Without the tag Import returns ErrNoHDF5. The
// HDF5 library is not thread-safe in Debian's serial build, so calls into it are serialised.
package d4rl
