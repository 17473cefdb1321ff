package rl

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
)

// StreamRNG returns a ChaCha8 stream keyed by (seed, domain, index): every episode reset and every
// dataset chunk draws only from its own stream, so results do not depend on worker counts or sharding.
func StreamRNG(seed uint64, domain string, index uint64) *rand.Rand {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[0:], seed)
	binary.LittleEndian.PutUint64(key[8:], index)
	h := fnv.New64a()
	h.Write([]byte(domain))
	binary.LittleEndian.PutUint64(key[16:], h.Sum64())
	copy(key[24:], "rl/maze")
	return rand.New(rand.NewChaCha8(key))
}
