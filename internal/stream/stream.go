// Package stream derives the independent random streams that make generated datasets reproducible:
// every trajectory or episode draws only from a stream keyed by (seed, domain, index), so the data do
// not depend on the number of workers, on completion order or on how the index range is sharded.
package stream

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
)

// RNG returns a ChaCha8 generator keyed by the run's seed, a domain string (e.g. "charged/train"), the
// item's global index and an 8-byte package tag: key = seed | index | FNV-1a(domain) | tag.
func RNG(seed uint64, domain string, index uint64, tag string) *rand.Rand {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[0:], seed)
	binary.LittleEndian.PutUint64(key[8:], index)
	h := fnv.New64a()
	h.Write([]byte(domain))
	binary.LittleEndian.PutUint64(key[16:], h.Sum64())
	copy(key[24:], tag)
	return rand.New(rand.NewChaCha8(key))
}
