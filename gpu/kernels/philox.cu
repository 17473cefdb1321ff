// Fresh Gaussian noise for the plans' OpNoise, bit-for-bit the stream of diffusion.Philox4x32.FillNormal
// (diffusion/philox.go): Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3")
// keyed by the 64-bit seed (key = (seed lo, seed hi)); pair j of stream s is the block at counter
// (j lo, j hi, s, 0), whose words give two 53-bit uniforms in (0, 1), turned into two normals by Box-Muller
// in double. Element 2j gets the cosine branch, 2j+1 the sine branch. The float result is the double rounded
// once, so a GPU run reproduces the CPU's noise to float32 rounding (the device's log/sin/cos are within 2 ulp
// in double, far below one float32 ulp).
#include "common.cuh"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u
#define PHILOX_ROUNDS 10

__device__ __forceinline__ uint4 philox4x32_10(uint4 c, uint32_t k0, uint32_t k1) {
#pragma unroll
	for (int r = 0; r < PHILOX_ROUNDS; r++) {
		uint32_t hi0 = __umulhi(PHILOX_M0, c.x), lo0 = PHILOX_M0 * c.x;
		uint32_t hi1 = __umulhi(PHILOX_M1, c.z), lo1 = PHILOX_M1 * c.z;
		c = make_uint4(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
		k0 += PHILOX_W0;
		k1 += PHILOX_W1;
	}
	return c;
}

// uniform53 maps two words to (0, 1): the top 53 bits of hi:lo, centred in their interval.
__device__ __forceinline__ double uniform53(uint32_t hi, uint32_t lo) {
	u64 bits = (((u64)hi << 32) | (u64)lo) >> 11;
	return ((double)bits + 0.5) * (1.0 / 9007199254740992.0); // 2^-53
}

// normal_f32 fills dst[0, n) with element i of stream `stream`; the key (2 words) is read from device memory
// so that a captured CUDA graph replays with whatever seed the executor wrote there.
extern "C" __global__ void normal_f32(float* dst, i64 n, const uint32_t* key, i64 stream) {
	const uint32_t k0 = key[0], k1 = key[1];
	const i64 pairs = (n + 1) >> 1;
	GRID_STRIDE(j, pairs) {
		uint4 r = philox4x32_10(make_uint4((uint32_t)j, (uint32_t)((u64)j >> 32), (uint32_t)stream, 0u), k0, k1);
		double u1 = uniform53(r.x, r.y);
		double u2 = uniform53(r.z, r.w);
		double rad = sqrt(-2.0 * log(u1));
		double s, c;
		sincos(2.0 * 3.141592653589793 * u2, &s, &c);
		i64 i = 2 * j;
		dst[i] = (float)(rad * c);
		if (i + 1 < n) dst[i + 1] = (float)(rad * s);
	}
}
