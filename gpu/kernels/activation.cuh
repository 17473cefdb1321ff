// The pointwise activations of nn's networks (nn.Activation, in its order), in float32 with the formulas nn's
// float32 CPU kernels use, so that a fused epilogue reproduces nn's layer to float32 rounding.
#pragma once

#define ACT_IDENTITY 0
#define ACT_MISH 1
#define ACT_SILU 2
#define ACT_GELU 3
#define ACT_RELU 4

// act_f32 applies activation `act` to v.
//
//	mish  v tanh(softplus(v)) = v n/(n+2) with e = exp(v), n = e(e+2) (one exponential; Misra 2019); the ratio
//	      is 1 beyond v = 20, where PyTorch's softplus switches to the identity
//	silu  v / (1 + exp(-v)) (Elfwing et al. 2018)
//	gelu  v Phi(v) = v (1 + erf(v/sqrt 2))/2, the exact form (Hendrycks & Gimpel 2016), in double as nn does
//	relu  max(v, 0)
__device__ __forceinline__ float act_f32(int act, float v) {
	switch (act) {
	case ACT_MISH: {
		if (v > 20.0f) return v;
		const float e = expf(v);
		const float n = e * (e + 2.0f);
		return v * (n / (n + 2.0f));
	}
	case ACT_SILU:
		return v / (1.0f + expf(-v));
	case ACT_GELU: {
		const double x = (double)v;
		return (float)(x * 0.5 * (1.0 + erf(x * 0.70710678118654752440)));
	}
	case ACT_RELU:
		return v > 0.0f ? v : 0.0f;
	}
	return v;
}
