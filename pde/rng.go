package pde

import (
	"encoding/binary"
	"math/rand/v2"
)

// TrajectoryRNG returns the random stream of trajectory index of a dataset generated with seed: a
// ChaCha8 generator keyed by (seed, index) with a fixed domain tag. Streams of different (seed, index)
// pairs are independent, so a trajectory is reproducible from its global index alone whatever the
// number of workers or shards.
//
// It is deliberately not internal/stream.RNG, which the geometry and rl generators use: the ChaCha8
// keys differ ("trajdiff" | seed | index | "pde/traj" here, seed | index | FNV-1a(domain) | tag there;
// the first 8 bytes are a constant here and the seed there, so no domain or tag gives the same key
// except for one seed), and switching would change every generated PDE
// trajectory of every existing dataset and the committed draws of ExampleRunOrdered (trajectory 3 of
// seed 42 draws 0.0927 first here, 0.8632 from stream.RNG(42, "pde", 3, "pde/traj")). The committed
// NumPy vectors under testdata/pde do not depend on it (they store their own parameters).
func TrajectoryRNG(seed uint64, index int) *rand.Rand {
	var key [32]byte
	copy(key[:8], "trajdiff")
	binary.LittleEndian.PutUint64(key[8:16], seed)
	binary.LittleEndian.PutUint64(key[16:24], uint64(index))
	copy(key[24:], "pde/traj")
	return rand.New(rand.NewChaCha8(key))
}

// Uniform returns a draw from U[lo, hi).
func Uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
