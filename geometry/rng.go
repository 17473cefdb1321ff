package geometry

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
)

// StreamRNG returns the random stream of one trajectory: a ChaCha8 generator keyed by the run's seed,
// a domain string (system and split, e.g. "charged/train") and the trajectory's global index. Every
// trajectory draws only from its own stream, so a dataset does not depend on the number of workers,
// on the order in which trajectories finish or on how the index range is split into shards.
func StreamRNG(seed uint64, domain string, index uint64) *rand.Rand {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[0:], seed)
	binary.LittleEndian.PutUint64(key[8:], index)
	h := fnv.New64a()
	h.Write([]byte(domain))
	binary.LittleEndian.PutUint64(key[16:], h.Sum64())
	copy(key[24:], "geometry")
	return rand.New(rand.NewChaCha8(key))
}
