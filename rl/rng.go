package rl

import (
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/internal/stream"
)

// StreamRNG returns a ChaCha8 stream keyed by (seed, domain, index): every episode reset and every
// dataset chunk draws only from its own stream, so results do not depend on worker counts or sharding.
func StreamRNG(seed uint64, domain string, index uint64) *rand.Rand {
	return stream.RNG(seed, domain, index, "rl/maze")
}
