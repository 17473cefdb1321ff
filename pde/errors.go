package pde

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalidParams is wrapped by every error about parameters that a solver rejects before running
// (CFL violations, non-positive viscosity or density, mismatched grids).
var ErrInvalidParams = errors.New("invalid parameters")

// Invalidf returns an error wrapping ErrInvalidParams.
func Invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidParams, fmt.Sprintf(format, args...))
}

// ErrUnstable is wrapped by every *BlowUpError: the run left its scheme's stability region or produced
// a NaN or Inf.
var ErrUnstable = errors.New("stability limit exceeded")

// BlowUpError reports a solution that left the range where its scheme is valid: a NaN or Inf, a value
// beyond an explicit scheme's stability bound (Limit > 0), or a lost positivity (Limit < 0 is not used;
// see Quantity). It wraps ErrUnstable.
type BlowUpError struct {
	System   string  // "burgers", "cns", ...
	Step     int     // time step (0-based) after which the bad value appeared
	Time     float64 // simulated time at the end of that step
	Location string  // grid location, e.g. "x[37] = 0.2891" or "cell (12, 40)"
	Quantity string  // which field, e.g. "u", "density", "pressure"
	Value    float64 // the offending value
	Limit    float64 // the bound |Value| exceeded, 0 for a non-finite or non-positive value
}

func (e *BlowUpError) Error() string {
	what := fmt.Sprintf("%s = %v at %s", e.Quantity, e.Value, e.Location)
	if e.Limit > 0 {
		what += fmt.Sprintf(", beyond the stability bound %.4g (use a smaller time step)", e.Limit)
	}
	return fmt.Sprintf("%s: solution blew up at step %d (t = %.6g): %s", e.System, e.Step, e.Time, what)
}

// Unwrap makes errors.Is(err, ErrUnstable) true for every blow-up.
func (e *BlowUpError) Unwrap() error { return ErrUnstable }

// FirstNonFinite returns the index of the first NaN or Inf in v, or -1.
func FirstNonFinite(v []float64) int {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i
		}
	}
	return -1
}

// CheckFinite returns an error naming the first NaN or Inf in v.
func CheckFinite(what string, v []float64) error {
	if i := FirstNonFinite(v); i >= 0 {
		return Invalidf("%s[%d] = %v is not finite", what, i, v[i])
	}
	return nil
}
