// The activations' derivatives, for the backward passes of the value models (value_grad.cu's Linear
// layers, group_norm_grad.cu's GroupNorm-activation blocks).
#pragma once

#include "activation.cuh"

// act_derivative: d act/dv at v, in double.
//
//	mish  tanh(sp) + v sech^2(sp) sigmoid(v), sp = softplus(v) (1 beyond v = 20, where act_f32 is the identity)
//	silu  s (1 + v (1 - s)), s = sigmoid(v)
//	gelu  Phi(v) + v phi(v)
//	relu  1 for v > 0, else 0
__device__ __forceinline__ double act_derivative(int act, double v) {
	switch (act) {
	case ACT_MISH: {
		if (v > 20.0) return 1.0;
		const double th = tanh(log1p(exp(v)));
		return th + v * (1.0 - th * th) / (1.0 + exp(-v));
	}
	case ACT_SILU: {
		const double s = 1.0 / (1.0 + exp(-v));
		return s * (1.0 + v * (1.0 - s));
	}
	case ACT_GELU:
		return 0.5 * (1.0 + erf(v * 0.70710678118654752440)) + v * 0.39894228040143267794 * exp(-0.5 * v * v);
	case ACT_RELU:
		return v > 0.0 ? 1.0 : 0.0;
	}
	return 1.0;
}
