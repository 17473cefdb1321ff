package diffusion

import (
	"fmt"
	"math"
)

// A Schedule places the noise levels of a sampler. Times returns n levels decreasing from the process's TMax
// to its TMin (or, for DDPM spacings, the levels the spacing selects), followed by the data end 0: n+1 times,
// n steps. Every schedule's output passes ValidateTimes: strictly decreasing, finite, ending at exactly 0.
type Schedule interface {
	Name() string
	Times(p Process, n int) ([]float64, error)
}

// ScheduleNames lists the names NewSchedule accepts.
func ScheduleNames() []string {
	return []string{"karras", "uniform-t", "logsnr", "quadratic", "leading", "trailing", "linspace"}
}

// NewSchedule returns a schedule by name with its defaults (karras: rho 7; DDPM spacings: 1000 training steps).
// A name ending in .json is a schedule file written by a search (LoadScheduleFile): every command and
// configuration that takes a schedule name takes such a file too.
func NewSchedule(name string) (Schedule, error) {
	if IsScheduleFile(name) {
		return LoadScheduleFile(name)
	}
	switch name {
	case "karras":
		return Karras{Rho: 7}, nil
	case "uniform-t":
		return UniformT{}, nil
	case "logsnr":
		return UniformLogSNR{}, nil
	case "quadratic":
		return Quadratic{}, nil
	case "leading", "trailing", "linspace":
		return DDPMSpacing{Spacing: name, TrainSteps: 1000}, nil
	}
	return nil, fmt.Errorf("diffusion: unknown schedule %q (want one of %v, or a FILE.json written by a schedule search)", name, ScheduleNames())
}

// DefaultSchedule is the customary schedule for a process: Karras for EDM, geometric (uniform log-SNR) for VE
// and the interpolant, uniform time otherwise.
func DefaultSchedule(p Process) Schedule {
	switch p.Name() {
	case "edm":
		return Karras{Rho: 7}
	case "ve":
		return UniformLogSNR{}
	case "interpolant":
		// Its signal grows linearly from alpha = 1e-3 at the start: uniform t would jump 100x in alpha on the
		// first step, which amplifies an eps-prediction's error 100-fold; uniform log-SNR grows it by a
		// constant factor per step.
		return UniformLogSNR{}
	}
	return UniformT{}
}

// ValidateTimes checks a time grid: at least two entries, finite, strictly decreasing, ending at exactly 0,
// and starting no later than the process's TMax. The failure modes it rules out are the ones users hit with
// diffusers' schedulers: a repeated final sigma, duplicate steps, and non-monotone grids.
func ValidateTimes(p Process, times []float64) error {
	if len(times) < 2 {
		return fmt.Errorf("diffusion: time grid needs at least 2 entries (a level and the final 0), got %d", len(times))
	}
	for i, t := range times {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return fmt.Errorf("diffusion: time grid entry %d is %v", i, t)
		}
		if i > 0 && !(t < times[i-1]) {
			return fmt.Errorf("diffusion: time grid not strictly decreasing at entry %d: %v then %v", i, times[i-1], t)
		}
	}
	if times[len(times)-1] != 0 {
		return fmt.Errorf("diffusion: time grid must end at 0 (the data), ends at %v", times[len(times)-1])
	}
	if times[0] > p.TMax()*(1+1e-12) {
		return fmt.Errorf("diffusion: time grid starts at %v, beyond the process's TMax %v", times[0], p.TMax())
	}
	return nil
}

func finishGrid(p Process, levels []float64) ([]float64, error) {
	times := append(levels, 0)
	if err := ValidateTimes(p, times); err != nil {
		return nil, err
	}
	return times, nil
}

func checkSteps(n int) error {
	if n < 1 {
		return fmt.Errorf("diffusion: need at least 1 step, got %d", n)
	}
	return nil
}

// UniformT spaces the levels uniformly in the process's time: DDIM's "uniform" and flow matching's default.
type UniformT struct{}

func (UniformT) Name() string { return "uniform-t" }
func (UniformT) Times(p Process, n int) ([]float64, error) {
	if err := checkSteps(n); err != nil {
		return nil, err
	}
	return finishGrid(p, linspace(p.TMax(), p.TMin(), n))
}

// Quadratic spaces the levels quadratically, densest near the data (DDIM's "quad" skip):
// t_i = TMin + (TMax - TMin)(1 - i/(n-1))^2.
type Quadratic struct{}

func (Quadratic) Name() string { return "quadratic" }
func (Quadratic) Times(p Process, n int) ([]float64, error) {
	if err := checkSteps(n); err != nil {
		return nil, err
	}
	lv := make([]float64, n)
	for i := range lv {
		u := 1.0
		if n > 1 {
			u = 1 - float64(i)/float64(n-1)
		}
		lv[i] = p.TMin() + (p.TMax()-p.TMin())*u*u
	}
	if n == 1 {
		lv[0] = p.TMax()
	}
	return finishGrid(p, lv)
}

// UniformLogSNR spaces the levels uniformly in lambda = log(alpha/sigma) (DPM-Solver's "logSNR"); for alpha = 1
// processes this is geometric in sigma, the VE schedule of Song et al. (2021).
type UniformLogSNR struct{}

func (UniformLogSNR) Name() string { return "logsnr" }
func (UniformLogSNR) Times(p Process, n int) ([]float64, error) {
	if err := checkSteps(n); err != nil {
		return nil, err
	}
	return finishGrid(p, sigmaHatLevels(p, n, func(hiT, loT float64, m int) []float64 {
		lv := linspace(p.LogSNR(hiT), p.LogSNR(loT), m)
		for i, l := range lv {
			lv[i] = p.TimeAtLogSNR(l)
		}
		lv[0], lv[m-1] = hiT, loT
		return lv
	}))
}

// Karras spaces sigma-hat = sigma/alpha by EDM's rule (Karras et al. 2022, Eq. 5):
// sigma_i = (smax^(1/rho) + i/(n-1) (smin^(1/rho) - smax^(1/rho)))^rho, rho = 7 by default.
type Karras struct{ Rho float64 }

func (Karras) Name() string { return "karras" }
func (k Karras) Times(p Process, n int) ([]float64, error) {
	if err := checkSteps(n); err != nil {
		return nil, err
	}
	rho := k.Rho
	if rho == 0 {
		rho = 7
	}
	if !(rho > 0) {
		return nil, fmt.Errorf("diffusion: karras rho must be positive, got %v", rho)
	}
	return finishGrid(p, sigmaHatLevels(p, n, func(hiT, loT float64, m int) []float64 {
		hi := math.Pow(SigmaHat(p, hiT), 1/rho)
		lo := math.Pow(SigmaHat(p, loT), 1/rho)
		lv := make([]float64, m)
		for i := range lv {
			u := 0.0
			if m > 1 {
				u = float64(i) / float64(m-1)
			}
			lv[i] = p.TimeAtLogSNR(-rho * math.Log(hi+u*(lo-hi)))
		}
		lv[0], lv[m-1] = hiT, loT
		return lv
	}))
}

// sigmaHatLevels runs a schedule defined in sigma-hat (or lambda) between TMax and TMin. Where the process
// starts at zero signal (lambda = -Inf, e.g. rectified flow at t = 1), sigma-hat is infinite there: the first
// level is TMax itself and the remaining n-1 levels follow the schedule from the second level of the uniform-t
// grid down to TMin.
func sigmaHatLevels(p Process, n int, levels func(hiT, loT float64, m int) []float64) []float64 {
	hiT, loT := p.TMax(), p.TMin()
	if n == 1 {
		return []float64{hiT}
	}
	if !math.IsInf(p.LogSNR(hiT), -1) {
		return levels(hiT, loT, n)
	}
	next := hiT - (hiT-loT)/float64(n-1)
	if n == 2 {
		return []float64{hiT, loT}
	}
	return append([]float64{hiT}, levels(next, loT, n-1)...)
}

// DDPMSpacing selects integer training steps as diffusers' schedulers do (Lin et al. 2024, Table 2) and maps
// step k of TrainSteps to t = TMin + k/(TrainSteps-1) (TMax - TMin), which for vp-discrete is exactly the
// chain's step k:
//
//	linspace: round(linspace(0, N-1, n)) reversed
//	leading:  k = i * floor(N/n) + Offset, i = n-1..0
//	trailing: k = round(N - i N/n) - 1, i = 0..n-1 (starts at the last training step)
type DDPMSpacing struct {
	Spacing    string // "linspace", "leading" or "trailing"
	TrainSteps int
	Offset     int // leading only: diffusers' steps_offset
}

func (s DDPMSpacing) Name() string { return s.Spacing }
func (s DDPMSpacing) Times(p Process, n int) ([]float64, error) {
	if err := checkSteps(n); err != nil {
		return nil, err
	}
	N := s.TrainSteps
	if N < 2 {
		return nil, fmt.Errorf("diffusion: %s spacing needs at least 2 training steps, got %d", s.Spacing, N)
	}
	if n > N {
		return nil, fmt.Errorf("diffusion: %s spacing: %d steps exceed the %d training steps", s.Spacing, n, N)
	}
	ks := make([]int, n)
	switch s.Spacing {
	case "linspace":
		// np.linspace(0, N-1, n) with n = 1 is [0].
		for i := range ks {
			if n > 1 {
				ks[i] = int(math.RoundToEven(float64(N-1) * (1 - float64(i)/float64(n-1))))
			}
		}
	case "leading":
		r := N / n
		for i := range ks {
			ks[i] = (n-1-i)*r + s.Offset
		}
	case "trailing":
		r := float64(N) / float64(n)
		for i := range ks {
			ks[i] = int(math.RoundToEven(float64(N)-float64(i)*r)) - 1
		}
	default:
		return nil, fmt.Errorf("diffusion: unknown DDPM spacing %q (want linspace, leading or trailing)", s.Spacing)
	}
	lv := make([]float64, n)
	for i, k := range ks {
		if k < 0 || k >= N {
			return nil, fmt.Errorf("diffusion: %s spacing produced step %d outside [0, %d)", s.Spacing, k, N)
		}
		lv[i] = p.TMin() + float64(k)/float64(N-1)*(p.TMax()-p.TMin())
	}
	return finishGrid(p, lv)
}

// Explicit is a user-given grid, e.g. one found by a schedule search (AutoDiffusion, S^3). The levels must be
// strictly decreasing; a final 0 is appended when missing. Its step count is fixed by the list: Times fails
// unless n equals the number of levels.
type Explicit struct{ Levels []float64 }

func (Explicit) Name() string { return "explicit" }
func (e Explicit) Times(p Process, n int) ([]float64, error) {
	lv := append([]float64(nil), e.Levels...)
	if len(lv) > 0 && lv[len(lv)-1] == 0 {
		lv = lv[:len(lv)-1]
	}
	if n != len(lv) {
		return nil, fmt.Errorf("diffusion: explicit schedule has %d levels, %d steps requested", len(lv), n)
	}
	return finishGrid(p, lv)
}

func linspace(a, b float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		if n == 1 {
			out[i] = a
			continue
		}
		u := float64(i) / float64(n-1)
		out[i] = a + (b-a)*u
	}
	if n > 1 {
		out[n-1] = b
	}
	return out
}
