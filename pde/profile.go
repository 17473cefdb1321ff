package pde

import (
	"math"
	"math/rand/v2"
)

// Mode is A sin(2 pi K xi + Phi) on the unit interval.
type Mode struct {
	K      int
	A, Phi float64
}

// MultiMode is PDEBench's random initial profile on the normalised coordinate xi in [0, 1):
// v = Sign * (|.| if Abs) sum_m A_m sin(2 pi K_m xi + Phi_m), multiplied when Window is set by
// (tanh((xi - XL)/0.01) - tanh((xi - XR)/0.01))/2. (PDEBench's generator also adds A sin(Phi) of the
// modes its one-hot mask did not select; MultiMode leaves those constants out.)
type MultiMode struct {
	Modes  []Mode
	Abs    bool
	Sign   float64 // +1 or -1
	Window bool
	XL, XR float64
}

// Eval returns the profile at xi; it is 1-periodic.
func (m MultiMode) Eval(xi float64) float64 {
	xi -= math.Floor(xi)
	v := 0.0
	for _, md := range m.Modes {
		v += md.A * math.Sin(2*math.Pi*float64(md.K)*xi+md.Phi)
	}
	if m.Abs {
		v = math.Abs(v)
	}
	v *= m.Sign
	if m.Window {
		v *= 0.5 * (math.Tanh((xi-m.XL)/0.01) - math.Tanh((xi-m.XR)/0.01))
	}
	return v
}

// RandomMultiMode draws PDEBench's profile: two modes with K uniform in 1..kmax, A ~ U[0, 1],
// Phi ~ U[0, 2 pi); |.| with probability 0.1; a random sign; the window with probability pWindow,
// XL ~ U[0.1, 0.45], XR ~ U[0.55, 0.9].
func RandomMultiMode(r *rand.Rand, kmax int, pWindow float64) MultiMode {
	m := MultiMode{Modes: make([]Mode, 2), Sign: 1}
	for i := range m.Modes {
		m.Modes[i] = Mode{K: 1 + r.IntN(kmax), A: r.Float64(), Phi: 2 * math.Pi * r.Float64()}
	}
	m.Abs = r.Float64() < 0.1
	if r.IntN(2) == 0 {
		m.Sign = -1
	}
	m.Window = r.Float64() < pWindow
	m.XL, m.XR = Uniform(r, 0.1, 0.45), Uniform(r, 0.55, 0.9)
	return m
}
