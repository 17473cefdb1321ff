// Package waveop provides the multilevel N-D discrete wavelet transform and its inverse as gorgonia
// operations, so that networks can work on wavelet coefficients (e.g. WDNO-style diffusion on the
// wavelet coefficients of whole trajectories) and back-propagate through the transform.
//
// Wavedecn maps a tensor x to the packed coefficient array of wavelet.Plan.Forward (PyWavelets'
// coeffs_to_array(wavedecn(x)) layout, zero where no coefficient is stored); Waverecn maps a packed
// array back through waverecn. Both are linear maps A, so the gradient of a scalar cost c with respect
// to the input is Aᵀ(∂c/∂output): the operations' symbolic derivatives apply the exact transposes
// (wavelet.Plan.ForwardAdjoint and InverseAdjoint), which for biorthogonal wavelets or
// non-periodization modes differ from the inverse transform. The transposed operations are themselves
// differentiable (their derivative is the original operation), so higher-order gradients work too.
//
// Float64 and float32 tensors are supported; shapes are fixed when the node is built. Use
// gorgonia.Grad with a TapeMachine (the ops implement gorgonia's SDOp interface).
package waveop
