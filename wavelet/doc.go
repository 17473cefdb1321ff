// Package wavelet implements the discrete wavelet transforms of PyWavelets in Go: single and multilevel,
// 1-D, 2-D and N-D, stationary, batched over chosen axes of row-major arrays, in float64 and float32,
// with exact adjoints for gradient-based learning (see the waveop subpackage for gorgonia operations).
// It exists for methods such as the Wavelet Diffusion Neural Operator (WDNO; Hu et al., 2025), which
// run diffusion on the wavelet coefficients of whole trajectories and whose users think in PyWavelets
// terms: names ("db4", "bior2.4", "symmetric", "periodization"), argument conventions, coefficient
// order and shapes are PyWavelets' (pywt 1.1.1), and float64 results are bit-identical to it.
//
// # Filter bank
//
// A discrete wavelet is a two-channel filter bank (Mallat, 1989; Daubechies, 1988, 1992): analysis
// low- and high-pass filters h = DecLo, g = DecHi and synthesis filters h̃ = RecLo, g̃ = RecHi, all of
// even length F. For orthogonal wavelets (haar, db, sym, coif, dmey) h̃ is h reversed and g is the
// quadrature mirror of h; biorthogonal wavelets (bior, rbio; Cohen, Daubechies and Feauveau, 1992)
// have distinct analysis and synthesis pairs. The coefficients of all 106 discrete wavelets are
// generated from PyWavelets by scripts/wavelet/gen_filters.py.
//
// One analysis level maps a signal x of N samples to approximation and detail coefficients
//
//	cA[o] = Σ_{j=0}^{F-1} h[j]·x̃[2o+1-j],   cD[o] = Σ_j g[j]·x̃[2o+1-j],   o = 0 … ⌊(N+F-1)/2⌋-1,
//
// where x̃ is x extended beyond its ends by the signal extension mode. In periodization mode x is
// padded to even length by repeating its last sample, extended periodically, and
//
//	cA[o] = Σ_j h[j]·x̃[F/2+2o-j],   o = 0 … ⌈N/2⌉-1.
//
// One synthesis level upsamples by two and filters with the synthesis pair, keeping the part of the
// full convolution that needs no extension (PyWavelets' idwt):
//
//	y[t] = Σ_m cA[m]·h̃[t+F-2-2m] + Σ_m cD[m]·g̃[t+F-2-2m],   t = 0 … 2N-F+1,
//
// or, in periodization mode, the same sums with periodic coefficient indices, 2N outputs, rotated one
// sample right when F/2 is even. With a perfect-reconstruction filter bank, synthesis recovers x.
//
// # Extension modes
//
// For x[0 … N-1] (PyWavelets' Modes): zero (0 outside), constant (edge values repeated), symmetric
// (half-sample mirror: x1 x0 | x0 … | xN-1 xN-2), reflect (whole-sample mirror: x2 x1 | x0 … | xN-2),
// periodic (x[n mod N]), smooth (linear continuation from the two edge samples), antisymmetric
// (half-sample mirror with sign flip), antireflect (whole-sample point reflection, 2x0-x[k], repeated
// about each new edge) and periodization (above). Filters longer than the signal wrap the extension
// repeatedly, exactly as PyWavelets does.
//
// # Multilevel, N-D and stationary transforms
//
// Wavedec applies the analysis step to the approximation repeatedly (Mallat's pyramid algorithm) and
// returns [cA_n, cD_n, …, cD_1]. Waverec drops the last sample of a reconstructed approximation that is
// one longer than the next detail band. The N-D transforms are separable (tensor products): Dwtn
// applies the 1-D step along each axis in turn, naming the 2^d bands by one letter per axis, 'a' or
// 'd' ("aa", "ad", "da", "dd" in 2-D; Dwt2's (cH, cV, cD) are "da", "ad", "dd"). Swt is the
// undecimated (à trous) transform (Holschneider et al., 1989; Nason and Silverman, 1995): level j
// correlates the previous approximation, periodically extended, with the filters dilated by 2^(j-1),
// so every band keeps the signal's length, which must be divisible by 2^level; Iswt averages the two
// phase-shifted inverses.
//
// # Levels and boundary effects
//
// dwt_max_level = ⌊log2(N/(F-1))⌋ (DwtMaxLevel; DwtnMaxLevel takes the smallest over the axes) is the
// deepest level at which some coefficient is free of boundary effects, and MaxLevel selects it. Deeper
// levels are accepted, as PyWavelets accepts them with only a warning ("Level value of n is too high:
// all coefficients will experience boundary effects"), and give PyWavelets' exact coefficients, so code
// ported from Python runs unchanged. Every such coefficient mixes in the signal extension, and outside
// periodization mode the bands settle at F-2 or F-1 coefficients (growing towards that when the
// signal is shorter than the filter), so the extra levels add coefficients but no resolution.
// Waverec, Waverec2, Waverecn and Plan.Inverse invert them all the same. Level 0 returns a copy of the
// signal; negative levels other than MaxLevel are errors (PyWavelets raises ValueError). A caller who
// wants the strict behaviour compares the level with the maximum before transforming:
//
//	if top, _ := wavelet.DwtMaxLevel(len(x), "db4"); level > top {
//		return fmt.Errorf("level %d > %d: all coefficients would have boundary effects", level, top)
//	}
//
// Swt is different, as in PyWavelets: a level above swt_max_level (SwtMaxLevel) is an error there.
//
// # Adjoints
//
// Every mode extends linearly, so each transform is a linear map A, and the gradient of a cost
// through it is Aᵀ applied to the output gradient. Plan exposes A and Aᵀ for the packed multilevel
// transform (PyWavelets' coeffs_to_array layout) and its inverse. The adjoint of the analysis is an
// upsampling correlation with the analysis filters followed by folding the extension back onto the
// samples it copied (with the weights of the smooth and antireflect extrapolations); the adjoint of
// the synthesis is a decimated correlation with the synthesis filters. Only orthogonal wavelets in
// periodization mode have Aᵀ = A⁻¹.
//
// # Exactness and speed
//
// Each output is accumulated in PyWavelets' order (filter index ascending; for windows crossing the
// right edge, the extension taps first, as convolution.c does) from extended samples computed with the
// same operations, so on amd64 the float64 results equal PyWavelets' bit for bit; tests compare
// against committed PyWavelets vectors (testdata/wavelet, from scripts/wavelet/gen_reference.py). The
// interior of every transform runs through one kernel, dot2, that evaluates two filters on many
// lanes at once: consecutive outputs of a polyphase-split row, or consecutive columns when the axis
// is strided, so arrays are never transposed. On amd64 it is SSE2 assembly with packed multiplies and
// adds, which round each lane exactly like scalar code. Batched transforms are split across
// GOMAXPROCS goroutines (WithWorkers), and N-D transforms over trailing axes process one cache-sized
// block at a time.
//
// # Differences from PyWavelets
//
// One-sample signals in reflect and antireflect modes (PyWavelets loops forever; levels above
// dwt_max_level with a two-tap filter such as haar shrink the approximation to one sample) and
// repeated axes are errors. PyWavelets' warning for levels above dwt_max_level has no counterpart
// (compare with DwtMaxLevel). Complex data, per-axis wavelet or mode lists, the continuous transforms
// and wavelet packets are not provided.
//
// # References
//
//   - S. G. Mallat, A theory for multiresolution signal decomposition: the wavelet representation,
//     IEEE Trans. Pattern Anal. Mach. Intell. 11(7):674-693, 1989.
//   - I. Daubechies, Orthonormal bases of compactly supported wavelets, Comm. Pure Appl. Math.
//     41(7):909-996, 1988; Ten Lectures on Wavelets, SIAM, 1992.
//   - A. Cohen, I. Daubechies, J.-C. Feauveau, Biorthogonal bases of compactly supported wavelets,
//     Comm. Pure Appl. Math. 45(5):485-560, 1992.
//   - M. Holschneider, R. Kronland-Martinet, J. Morlet, Ph. Tchamitchian, A real-time algorithm for
//     signal analysis with the help of the wavelet transform, in Wavelets, Springer, 1989.
//   - G. P. Nason, B. W. Silverman, The stationary wavelet transform and some statistical
//     applications, in Wavelets and Statistics, Lecture Notes in Statistics 103, Springer, 1995.
//   - G. R. Lee, R. Gommers, F. Wasilewski, K. Wohlfahrt, A. O'Leary, PyWavelets: A Python package
//     for wavelet analysis, Journal of Open Source Software 4(36):1237, 2019.
//   - P. Hu et al., Wavelet Diffusion Neural Operator, ICLR 2025.
package wavelet
