package wavelet

import (
	"errors"
	"fmt"
)

// ErrNoCoefficients is returned when an inverse transform is given no coefficient band at all.
var ErrNoCoefficients = errors.New("wavelet: at least one coefficient band must be given")

func errShapeMismatch(a, b []int) error {
	return fmt.Errorf("wavelet: coefficient shapes %v and %v differ", a, b)
}

// checkCoeffLen rejects coefficient bands too short for the synthesis filter: PyWavelets' idwt needs
// at least F/2 coefficients per band outside periodization mode.
func checkCoeffLen(n, f int, m Mode) error {
	if n < 1 {
		return fmt.Errorf("wavelet: empty coefficient band")
	}
	if m != ModePeriodization && n < f/2 {
		return fmt.Errorf("wavelet: %d coefficients per band are too few for a filter of length %d in mode %s "+
			"(need at least %d); wavelet and mode must be those used for the decomposition", n, f, m, f/2)
	}
	return nil
}

// checkLevel resolves PyWavelets' level argument against the maximum useful level maxLvl
// (dwt_max_level): MaxLevel selects it, other negative levels are errors, and every level >= 0 is
// accepted, deeper ones included. PyWavelets only warns above maxLvl ("all coefficients will experience
// boundary effects") and computes, and code ported from Python must get those same coefficients; a
// caller who wants the strict behaviour compares with DwtMaxLevel or DwtnMaxLevel itself.
func checkLevel(level, maxLvl int) (int, error) {
	switch {
	case level == MaxLevel:
		return maxLvl, nil
	case level < 0:
		return 0, fmt.Errorf("wavelet: level %d is negative (use MaxLevel for the deepest useful level)", level)
	case level > levelLimit:
		return 0, fmt.Errorf("wavelet: level %d is above %d: past the useful maximum (%d here) each level only "+
			"adds boundary coefficients, and this many would exhaust memory", level, levelLimit, maxLvl)
	}
	return level, nil
}

// levelLimit bounds the level so that absurd values (math.MaxInt from a bad argument) are an error rather
// than an allocation failure. Beyond dwt_max_level the approximation stops shrinking, so the output grows
// by about a filter length per level; 4096 levels is far past anything PyWavelets code asks for.
const levelLimit = 1 << 12
