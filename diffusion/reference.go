package diffusion

import (
	"context"
	"fmt"
	"math"
)

// ReferenceStats reports the work of an adaptive reference solve.
type ReferenceStats struct {
	Accepted, Rejected, NFE int
}

// ReferenceSample integrates the probability-flow ODE from state x at time t0 to the data end with the
// adaptive Dormand-Prince 5(4) pair (Dormand & Prince 1980; Hairer, Norsett & Wanner, Solving ODEs I, II.4 and
// II.5), to serve as the reference the fixed-step solvers are measured against. x is overwritten.
//
// It integrates in the VP-normalised variable y = x/sqrt(alpha^2+sigma^2) against the angle
// phi = atan(sigma/alpha) in [0, pi/2], where every affine process reads y = cos(phi) x0 + sin(phi) eps and
//
//	dy/dphi = -sin(phi) D + cot(phi) (y - cos(phi) D),
//
// which is finite at zero signal (phi = pi/2) and not stiff near the data. The solve stops at sigma/alpha =
// 1e-7 and finishes with the denoising step x = D, whose error there is of order 1e-14 relative to the
// data's scale. tol is both the relative and the absolute tolerance, applied per element (maximum norm).
//
// With tEnd > 0 the solve stops at tEnd instead and finishes with x = D(x, tEnd): the exact counterpart of a
// sampler whose last step from its smallest noise level tEnd is the denoising step.
func ReferenceSample(ctx context.Context, p Process, d Denoiser, x []float64, t0, tEnd, tol float64) (ReferenceStats, error) {
	var st ReferenceStats
	if !(tol > 0) {
		return st, fmt.Errorf("diffusion: reference tolerance must be positive, got %v", tol)
	}
	n := len(x)
	if dim := d.Dim(); dim <= 0 || n%dim != 0 {
		return st, fmt.Errorf("diffusion: batch of %d values is not a multiple of the denoiser's dimension %d", n, d.Dim())
	}
	timeAt := func(phi float64) float64 { return p.TimeAtLogSNR(-math.Log(math.Tan(phi))) }
	phi0 := math.Atan(math.Exp(-p.LogSNR(t0)))
	phiEnd := math.Atan(1e-7)
	if tEnd > 0 {
		phiEnd = math.Atan(math.Exp(-p.LogSNR(tEnd)))
	}
	if phi0 <= phiEnd {
		return st, fmt.Errorf("diffusion: reference start t0 = %v is already at the data end", t0)
	}
	a0, s0 := p.Alpha(t0), p.Sigma(t0)
	norm0 := math.Hypot(a0, s0)
	y := make([]float64, n)
	for i := range y {
		y[i] = x[i] / norm0
	}
	xs := make([]float64, n)
	den := make([]float64, n)
	f := func(dst []float64, phi float64, y []float64) error {
		t := timeAt(phi)
		nt := math.Hypot(p.Alpha(t), p.Sigma(t))
		for i := range y {
			xs[i] = nt * y[i]
		}
		if err := d.Denoise(den, xs, t); err != nil {
			return err
		}
		st.NFE++
		sp, cp := math.Sincos(phi)
		cot := cp / sp
		for i := range y {
			dst[i] = -sp*den[i] + cot*(y[i]-cp*den[i])
		}
		return nil
	}
	// Dormand-Prince tableau.
	const (
		c2, c3, c4, c5 = 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9
		a21            = 1.0 / 5
		a31, a32       = 3.0 / 40, 9.0 / 40
		a41, a42, a43  = 44.0 / 45, -56.0 / 15, 32.0 / 9
		a51, a52, a53  = 19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561
		a54            = -212.0 / 729
		a61, a62, a63  = 9017.0 / 3168, -355.0 / 33, 46732.0 / 5247
		a64, a65       = 49.0 / 176, -5103.0 / 18656
		b1, b3, b4     = 35.0 / 384, 500.0 / 1113, 125.0 / 192
		b5, b6         = -2187.0 / 6784, 11.0 / 84
		e1, e3, e4     = 71.0 / 57600, -71.0 / 16695, 71.0 / 1920
		e5, e6, e7     = -17253.0 / 339200, 22.0 / 525, -1.0 / 40
	)
	k := make([][]float64, 7)
	for i := range k {
		k[i] = make([]float64, n)
	}
	tmp, ynew := make([]float64, n), make([]float64, n)
	stage := func(dst []float64, phi float64, h float64, coef []float64) error {
		for i := range tmp {
			s := 0.0
			for j, c := range coef {
				s += c * k[j][i]
			}
			tmp[i] = y[i] + h*s
		}
		return f(dst, phi, tmp)
	}
	phi := phi0
	h := -(phi0 - phiEnd) / 100
	if err := f(k[0], phi, y); err != nil {
		return st, err
	}
	for phi > phiEnd {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if st.Accepted+st.Rejected > 1_000_000 {
			return st, fmt.Errorf("diffusion: reference solve did not finish in 10^6 steps (at phi = %v)", phi)
		}
		if phi+h < phiEnd {
			h = phiEnd - phi
		}
		if err := stage(k[1], phi+c2*h, h, []float64{a21}); err != nil {
			return st, err
		}
		if err := stage(k[2], phi+c3*h, h, []float64{a31, a32}); err != nil {
			return st, err
		}
		if err := stage(k[3], phi+c4*h, h, []float64{a41, a42, a43}); err != nil {
			return st, err
		}
		if err := stage(k[4], phi+c5*h, h, []float64{a51, a52, a53, a54}); err != nil {
			return st, err
		}
		if err := stage(k[5], phi+h, h, []float64{a61, a62, a63, a64, a65}); err != nil {
			return st, err
		}
		for i := range ynew {
			ynew[i] = y[i] + h*(b1*k[0][i]+b3*k[2][i]+b4*k[3][i]+b5*k[4][i]+b6*k[5][i])
		}
		if err := f(k[6], phi+h, ynew); err != nil {
			return st, err
		}
		errMax := 0.0
		for i := range ynew {
			e := h * (e1*k[0][i] + e3*k[2][i] + e4*k[3][i] + e5*k[4][i] + e6*k[5][i] + e7*k[6][i])
			sc := tol + tol*math.Max(math.Abs(y[i]), math.Abs(ynew[i]))
			errMax = math.Max(errMax, math.Abs(e)/sc)
		}
		if math.IsNaN(errMax) {
			return st, fmt.Errorf("diffusion: reference solve produced NaN at phi = %v", phi)
		}
		fac := 0.9 * math.Pow(math.Max(errMax, 1e-10), -0.2)
		if errMax <= 1 {
			st.Accepted++
			phi += h
			y, ynew = ynew, y
			k[0], k[6] = k[6], k[0] // first same as last
			h *= math.Min(5, math.Max(0.2, fac))
		} else {
			st.Rejected++
			h *= math.Min(1, math.Max(0.2, fac))
		}
	}
	if tEnd <= 0 {
		tEnd = timeAt(phiEnd)
	}
	nt := math.Hypot(p.Alpha(tEnd), p.Sigma(tEnd))
	for i := range y {
		xs[i] = nt * y[i]
	}
	if err := d.Denoise(x, xs, tEnd); err != nil {
		return st, err
	}
	st.NFE++
	return st, checkFinite("reference sample", x)
}

// rmsDiff is the root mean square of x - ref: the pathwise error every benchmark and search reports.
func rmsDiff(x, ref []float64) float64 {
	sq := 0.0
	for i := range x {
		d := x[i] - ref[i]
		sq += d * d
	}
	return math.Sqrt(sq / float64(len(x)))
}
