package wavelet

import (
	"fmt"
	"math/bits"
)

// Mode is a signal extension mode. The values equal PyWavelets' pywt.Modes enumeration.
type Mode int

// The nine extension modes of PyWavelets. For a signal x[0..N-1]:
const (
	ModeZero          Mode = 0 // ... 0 0 | x0 ... xN-1 | 0 0 ...
	ModeSymmetric     Mode = 1 // ... x1 x0 | x0 ... xN-1 | xN-1 xN-2 ... (half-sample symmetric)
	ModeConstant      Mode = 2 // ... x0 x0 | x0 ... xN-1 | xN-1 xN-1 ...
	ModeSmooth        Mode = 3 // first-order (linear) extrapolation from the two edge samples
	ModePeriodic      Mode = 4 // ... xN-2 xN-1 | x0 ... xN-1 | x0 x1 ...
	ModePeriodization Mode = 5 // periodic, odd N padded by repeating xN-1; ceil(N/2) coefficients
	ModeReflect       Mode = 6 // ... x2 x1 | x0 ... xN-1 | xN-2 xN-3 ... (whole-sample symmetric)
	ModeAntisymmetric Mode = 7 // ... -x1 -x0 | x0 ... xN-1 | -xN-1 -xN-2 ... (half-sample antisymmetric)
	ModeAntireflect   Mode = 8 // ... 2x0-x2 2x0-x1 | x0 ... xN-1 | 2xN-1-xN-2 ... (whole-sample antisymmetric)
)

// Modes returns the mode names in pywt.Modes.modes order.
func Modes() []string {
	return []string{"zero", "constant", "symmetric", "periodic", "smooth", "periodization", "reflect",
		"antisymmetric", "antireflect"}
}

// String is the PyWavelets name of the mode.
func (m Mode) String() string {
	switch m {
	case ModeZero:
		return "zero"
	case ModeSymmetric:
		return "symmetric"
	case ModeConstant:
		return "constant"
	case ModeSmooth:
		return "smooth"
	case ModePeriodic:
		return "periodic"
	case ModePeriodization:
		return "periodization"
	case ModeReflect:
		return "reflect"
	case ModeAntisymmetric:
		return "antisymmetric"
	case ModeAntireflect:
		return "antireflect"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode maps a PyWavelets mode name to a Mode. The deprecated aliases PyWavelets still accepts
// (zpd, cpd, sym, ppd, sp1, per) are accepted too.
func ParseMode(name string) (Mode, error) {
	switch name {
	case "zero", "zpd":
		return ModeZero, nil
	case "symmetric", "sym":
		return ModeSymmetric, nil
	case "constant", "cpd":
		return ModeConstant, nil
	case "smooth", "sp1":
		return ModeSmooth, nil
	case "periodic", "ppd":
		return ModePeriodic, nil
	case "periodization", "per":
		return ModePeriodization, nil
	case "reflect":
		return ModeReflect, nil
	case "antisymmetric":
		return ModeAntisymmetric, nil
	case "antireflect":
		return ModeAntireflect, nil
	}
	return 0, fmt.Errorf("wavelet: unknown signal extension mode %q (expected one of %v)", name, Modes())
}

// dwtLen is PyWavelets' dwt_buffer_length: floor((n+F-1)/2), or ceil(n/2) for periodization.
func dwtLen(n, f int, m Mode) int {
	if m == ModePeriodization {
		return (n + 1) / 2
	}
	return (n + f - 1) / 2
}

// idwtLen is PyWavelets' idwt_buffer_length: 2n-F+2, or 2n for periodization.
func idwtLen(n, f int, m Mode) int {
	if m == ModePeriodization {
		return 2 * n
	}
	return 2*n - f + 2
}

// maxLevel is PyWavelets' dwt_max_level: floor(log2(n/(F-1))), 0 when n < F-1.
func maxLevel(n, f int) int {
	if f <= 1 || n < f-1 {
		return 0
	}
	return bits.Len(uint(n/(f-1))) - 1
}

// swtMaxLevel is the number of times n can be halved exactly (PyWavelets' swt_max_level).
func swtMaxLevel(n int) int {
	if n <= 0 {
		return 0
	}
	return bits.TrailingZeros(uint(n))
}

// resolve looks up a wavelet and a mode by name, wrapping errors with the calling function's name.
func resolve(fn, wavelet, mode string) (*Wavelet, Mode, error) {
	w, err := NewWavelet(wavelet)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", fn, err)
	}
	m, err := ParseMode(mode)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", fn, err)
	}
	return w, m, nil
}

// checkSignalLen reports whether a signal of n samples can be extended with mode m: PyWavelets loops
// forever on one-sample signals in reflect and antireflect modes, which have no sample to mirror.
func checkSignalLen(n int, m Mode) error {
	if n < 1 {
		return fmt.Errorf("wavelet: empty signal along the transformed axis")
	}
	if n < 2 && (m == ModeReflect || m == ModeAntireflect) {
		return fmt.Errorf("wavelet: mode %s needs at least 2 samples along the transformed axis, got %d", m, n)
	}
	return nil
}

// DwtCoeffLen is PyWavelets' dwt_coeff_len: the number of coefficients per band of a single-level DWT
// of n samples.
func DwtCoeffLen(n int, wavelet, mode string) (int, error) {
	w, m, err := resolve("DwtCoeffLen", wavelet, mode)
	if err != nil {
		return 0, err
	}
	if n < 1 {
		return 0, fmt.Errorf("DwtCoeffLen: data length must be positive, got %d", n)
	}
	return dwtLen(n, w.DecLen(), m), nil
}

// DwtMaxLevel is PyWavelets' dwt_max_level for the named wavelet: floor(log2(n/(dec_len-1))).
func DwtMaxLevel(n int, wavelet string) (int, error) {
	w, err := NewWavelet(wavelet)
	if err != nil {
		return 0, fmt.Errorf("DwtMaxLevel: %w", err)
	}
	if n < 0 {
		return 0, fmt.Errorf("DwtMaxLevel: data length must be non-negative, got %d", n)
	}
	return w.DwtMaxLevel(n), nil
}

// DwtnMaxLevel is PyWavelets' dwtn_max_level: the smallest DwtMaxLevel over the transformed axes (nil
// axes: all).
func DwtnMaxLevel(shape []int, wavelet string, axes []int) (int, error) {
	w, err := NewWavelet(wavelet)
	if err != nil {
		return 0, fmt.Errorf("DwtnMaxLevel: %w", err)
	}
	if _, err := shapeSize(shape); err != nil {
		return 0, fmt.Errorf("DwtnMaxLevel: %w", err)
	}
	ax, err := normAxes(axes, len(shape))
	if err != nil {
		return 0, fmt.Errorf("DwtnMaxLevel: %w", err)
	}
	lvl := -1
	for _, a := range ax {
		if l := w.DwtMaxLevel(shape[a]); lvl < 0 || l < lvl {
			lvl = l
		}
	}
	return lvl, nil
}

// SwtMaxLevel is PyWavelets' swt_max_level: how many times n is divisible by 2.
func SwtMaxLevel(n int) int { return swtMaxLevel(n) }
