package gpu

import (
	"math"
	"math/big"
	"testing"
)

// bf16Reference rounds through math/big: 8 significant bits, nearest even.
func bf16Reference(x float32) uint16 {
	if math.IsInf(float64(x), 0) {
		return uint16(math.Float32bits(x) >> 16)
	}
	f := new(big.Float).SetMode(big.ToNearestEven).SetPrec(8)
	f.SetFloat64(float64(x))
	r, _ := f.Float64()
	if math.Abs(r) > math.MaxFloat32 {
		return uint16(math.Float32bits(float32(math.Copysign(math.Inf(1), r))) >> 16)
	}
	return uint16(math.Float32bits(float32(r)) >> 16)
}

func TestToBF16(t *testing.T) {
	rng := newRand(1)
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1.00390625, 1.01171875, 3.3895314e38,
		math.MaxFloat32, -math.MaxFloat32, float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40, -1e-45}
	for i := 0; i < 200000; i++ {
		special = append(special, math.Float32frombits(rng.Uint32()))
	}
	for _, x := range special {
		got := ToBF16(x)
		if math.IsNaN(float64(x)) {
			if !math.IsNaN(float64(FromBF16(got))) || (got>>15) != uint16(math.Float32bits(x)>>31) {
				t.Fatalf("ToBF16(NaN %#08x) = %#04x, want a NaN of the same sign", math.Float32bits(x), got)
			}
			continue
		}
		if x != 0 && math.Abs(float64(x)) < 0x1p-126 {
			continue // subnormals: big.Float has no subnormal range limit, the format does
		}
		if want := bf16Reference(x); got != want {
			t.Fatalf("ToBF16(%g = %#08x) = %#04x, want %#04x", x, math.Float32bits(x), got, want)
		}
		if y := FromBF16(got); !math.IsInf(float64(y), 0) && math.Abs(float64(y-x)) > math.Abs(float64(x))/256 {
			t.Fatalf("FromBF16(ToBF16(%g)) = %g", x, y)
		}
	}
}
