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

// checkLevel resolves PyWavelets' level argument against the maximum useful level: MaxLevel selects
// it, and deeper levels, where every coefficient is dominated by the signal extension, are rejected.
func checkLevel(level, maxLvl int) (int, error) {
	switch {
	case level == MaxLevel:
		return maxLvl, nil
	case level < 0:
		return 0, fmt.Errorf("wavelet: level %d is negative (use MaxLevel for the deepest useful level)", level)
	case level > maxLvl:
		return 0, fmt.Errorf("wavelet: level %d exceeds the maximum useful level %d for this size and wavelet "+
			"(dwt_max_level = floor(log2(n/(dec_len-1))))", level, maxLvl)
	}
	return level, nil
}
