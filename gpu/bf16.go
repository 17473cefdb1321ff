package gpu

import "math"

// ToBF16 rounds x to bfloat16 (the top 16 bits of a float32: 8 exponent bits, 7 mantissa bits) to nearest,
// ties to even, as the f32_to_bf16 kernel (__float2bfloat16_rn) does; NaN stays a quiet NaN of the same sign.
// Use it to prepare GemmBF16 operands on the host.
func ToBF16(x float32) uint16 {
	b := math.Float32bits(x)
	if b&0x7fffffff > 0x7f800000 { // NaN
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// FromBF16 widens a bfloat16 to float32 exactly.
func FromBF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }
