package diffusion

import (
	"math"
	"math/bits"
)

// Philox4x32 is the counter-based generator Philox4x32-10 of Salmon et al. (2011, "Parallel random numbers:
// as easy as 1, 2, 3"). Its output is a pure function of (key, counter), so every element of a noise buffer
// can be drawn independently: the result does not depend on how the work is split across goroutines, and
// the GPU kernel draws the same numbers.
type Philox4x32 struct{ Key [2]uint32 }

const (
	philoxM0 = 0xD2511F53
	philoxM1 = 0xCD9E8D57
	philoxW0 = 0x9E3779B9
	philoxW1 = 0xBB67AE85
)

// Block returns the 4 words for a 128-bit counter.
func (g Philox4x32) Block(ctr [4]uint32) [4]uint32 {
	k0, k1 := g.Key[0], g.Key[1]
	c := ctr
	for r := 0; r < 10; r++ {
		hi0, lo0 := bits.Mul32(philoxM0, c[0])
		hi1, lo1 := bits.Mul32(philoxM1, c[2])
		c = [4]uint32{hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0}
		k0 += philoxW0
		k1 += philoxW1
	}
	return c
}

// NewPhilox keys the generator with a 64-bit seed.
func NewPhilox(seed uint64) Philox4x32 {
	return Philox4x32{Key: [2]uint32{uint32(seed), uint32(seed >> 32)}}
}

// NormalPair returns two independent standard normals for pair index j of stream s: the block at counter
// (j_lo, j_hi, s, 0) gives two 53-bit uniforms in (0, 1), transformed by Box-Muller.
func (g Philox4x32) NormalPair(stream uint32, j uint64) (float64, float64) {
	r := g.Block([4]uint32{uint32(j), uint32(j >> 32), stream, 0})
	const inv = 1.0 / (1 << 53)
	u1 := (float64((uint64(r[0])<<32|uint64(r[1]))>>11) + 0.5) * inv
	u2 := (float64((uint64(r[2])<<32|uint64(r[3]))>>11) + 0.5) * inv
	rad := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	return rad * c, rad * s
}

// FillNormal writes standard normals for elements [lo, lo+len(dst)) of stream s into dst. Element i is
// always the same number, whatever lo and the length are.
func (g Philox4x32) FillNormal(dst []float64, stream uint32, lo int) {
	i := 0
	if lo%2 == 1 && len(dst) > 0 {
		_, z1 := g.NormalPair(stream, uint64(lo/2))
		dst[0] = z1
		i = 1
	}
	for ; i+1 < len(dst); i += 2 {
		z0, z1 := g.NormalPair(stream, uint64((lo+i)/2))
		dst[i], dst[i+1] = z0, z1
	}
	if i < len(dst) {
		z0, _ := g.NormalPair(stream, uint64((lo+i)/2))
		dst[i] = z0
	}
}
