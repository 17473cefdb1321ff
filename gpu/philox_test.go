package gpu

import (
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// The transcription of normal_f32 uses the kernel's constants.
func TestPhiloxConstantsMatchKernel(t *testing.T) {
	def := cuDefines(t, "philox.cu")
	for name, want := range map[string]int64{"PHILOX_M0": kPhiloxM0, "PHILOX_M1": kPhiloxM1, "PHILOX_W0": kPhiloxW0,
		"PHILOX_W1": kPhiloxW1, "PHILOX_ROUNDS": kPhiloxRounds} {
		if got, ok := def[name]; !ok || got != want {
			t.Errorf("kernels/philox.cu: %s = %#x (defined %v), the transcription uses %#x", name, got, ok, want)
		}
	}
}

// Philox4x32-10's published known-answer vectors (Random123 1.09, kat_vectors: philox4x32 10 rounds) hold for
// the transcription of the kernel's round function (counter words ordered x, y, z, w as in Random123).
func TestKernelPhiloxKnownAnswers(t *testing.T) {
	cases := []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		if got := kernelPhilox(c.ctr, c.key[0], c.key[1]); got != c.want {
			t.Errorf("philox4x32-10(%08x, key %08x) = %08x, want %08x", c.ctr, c.key, got, c.want)
		}
	}
}

// The kernel's arithmetic, transcribed, draws exactly diffusion.Philox4x32.FillNormal's numbers (double, bit for
// bit) for any seed, stream, length and pair index, including pair indices beyond 2^32 (the counter's high
// word). The device then rounds each once to float32.
func TestKernelNormalMatchesPhilox(t *testing.T) {
	for _, seed := range []uint64{0, 1, 99, 0xdeadbeefcafef00d, math.MaxUint64} {
		g := diffusion.NewPhilox(seed)
		for _, stream := range []uint32{0, 1, 7, math.MaxUint32} {
			for _, n := range []int{1, 2, 3, 1000, 1001} {
				got := make([]float64, n)
				kernelNormal(got, seedKey(seed), stream)
				want := make([]float64, n)
				g.FillNormal(want, stream, 0)
				for i := range want {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("seed %#x stream %d n %d: element %d is %v, FillNormal gives %v", seed, stream, n, i, got[i], want[i])
					}
				}
			}
			// Far pair indices: element 2j of the kernel is NormalPair(j)'s first value.
			for _, j := range []uint64{1 << 31, 1<<32 - 1, 1 << 32, 1<<40 + 3} {
				r := kernelPhilox([4]uint32{uint32(j), uint32(j >> 32), stream, 0}, uint32(seed), uint32(seed>>32))
				u1, u2 := kernelUniform53(r[0], r[1]), kernelUniform53(r[2], r[3])
				rad := math.Sqrt(-2.0 * math.Log(u1))
				s, c := math.Sincos(2.0 * 3.141592653589793 * u2)
				z0, z1 := g.NormalPair(stream, j)
				if rad*c != z0 || rad*s != z1 {
					t.Fatalf("seed %#x stream %d pair %d: kernel (%v, %v), NormalPair (%v, %v)", seed, stream, j, rad*c, rad*s, z0, z1)
				}
			}
		}
	}
}

// The 53-bit uniforms are positive (so log stays finite) and at most 1: the top value 1 - 2^-54 rounds to 1,
// where the radius is 0; Box-Muller is finite at both ends, as on the CPU.
func TestKernelUniformEnds(t *testing.T) {
	lo, hi := kernelUniform53(0, 0), kernelUniform53(math.MaxUint32, math.MaxUint32)
	if !(lo > 0 && lo == 0.5/(1<<53) && hi == 1) {
		t.Fatalf("uniforms span [%v, %v], want [2^-54, 1]", lo, hi)
	}
	for _, u := range []float64{lo, hi} {
		if r := math.Sqrt(-2 * math.Log(u)); math.IsInf(r, 0) || math.IsNaN(r) {
			t.Fatalf("Box-Muller radius at uniform %v is %v", u, r)
		}
	}
}
