package geometry

import (
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/internal/stream"
)

// StreamRNG returns the random stream of one trajectory: a ChaCha8 generator keyed by the run's seed,
// a domain string (system and split, e.g. "charged/train") and the trajectory's global index. Every
// trajectory draws only from its own stream, so a dataset does not depend on the number of workers,
// on the order in which trajectories finish or on how the index range is split into shards.
func StreamRNG(seed uint64, domain string, index uint64) *rand.Rand {
	return stream.RNG(seed, domain, index, "geometry")
}
