package diffusion

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/trajdiff/trajdiff/internal/fsutil"
)

// ScheduleFileFormat identifies the JSON layout of a ScheduleFile.
const ScheduleFileFormat = "trajdiff-schedule/1"

// ScheduleFile is an explicit time grid found by a ScheduleSearch, stored as JSON with what it was searched
// for. As a Schedule it gives its grid only for the process it was searched on (same name, TMax, TMin and
// log-SNR at every level, so a process with other constants is refused too) and only for its own step
// count; PlanForNFE refuses it at another evaluation budget. It is accepted with another solver than the
// one it was searched for (the grid is a valid grid for any solver, merely not optimised for it): Name
// says which solver and budget it was searched for, so every report that prints the schedule shows it.
//
// A file whose search also chose the step orders (ScheduleSearch.SearchOrders) records them in Orders; it
// is then only run by the solver it was searched for, with those orders (ScheduleSolver, which PlanForNFE
// and the commands that sample apply), and refused for any other solver: running the grid without its
// orders would be another sampler than the one searched.
type ScheduleFile struct {
	Format  string       `json:"format"`
	Grid    []float64    `json:"times"` // TMax first, ending at 0
	Process ScheduleProc `json:"process"`
	Solver  string       `json:"solver"`
	NFE     int          `json:"nfe"`
	Steps   int          `json:"steps"`
	// Orders is the order of each step for Solver (absent where the solver's default was used).
	Orders []int `json:"orders,omitempty"`
	// Denoiser describes the model the grid was searched with (a checkpoint, or an exact target).
	Denoiser    string             `json:"denoiser"`
	Calibration ScheduleCalib      `json:"calibration"`
	Start       string             `json:"start"`      // the starting schedule
	StartLoss   float64            `json:"start_loss"` // its calibration loss
	Loss        float64            `json:"loss"`       // the grid's calibration loss
	StartLosses map[string]float64 `json:"start_losses,omitempty"`
	// StartCheck and CheckLoss are the losses on the check batch that selected the grid (absent without
	// one).
	StartCheck *float64 `json:"start_check_loss,omitempty"`
	CheckLoss  *float64 `json:"check_loss,omitempty"`
	Evals      int      `json:"evaluations"`
	// Path is where the file was read from (not stored).
	Path string `json:"-"`
}

// ScheduleProc records the process a grid belongs to: its name, sampling range and lambda = log(alpha/sigma)
// at every level of the grid (the last, t = 0, excluded), which pins the process's constants.
type ScheduleProc struct {
	Name   string    `json:"name"`
	TMin   float64   `json:"tmin"`
	TMax   float64   `json:"tmax"`
	LogSNR []float64 `json:"log_snr"`
}

// ScheduleCalib records the calibration batch of a search.
type ScheduleCalib struct {
	Points      int     `json:"points"`
	CheckPoints int     `json:"check_points,omitempty"` // the check batch (ScheduleSearch.Check), seed+1's
	Seed        uint64  `json:"seed"`
	RefTol      float64 `json:"ref_tol"`
	Loss        string  `json:"loss"` // "pathwise-rmse"
}

// NewScheduleFile records a search result for process p and solver s.
func NewScheduleFile(p Process, s Solver, nfe int, r *SearchResult, denoiser string, calib ScheduleCalib) *ScheduleFile {
	f := &ScheduleFile{Format: ScheduleFileFormat, Grid: append([]float64(nil), r.Times...), Solver: s.Name(), NFE: nfe,
		Steps: len(r.Times) - 1, Denoiser: denoiser, Calibration: calib, Start: r.Start, StartLoss: r.StartLoss, Loss: r.Loss,
		Evals: r.Evals, Process: ScheduleProc{Name: p.Name(), TMin: p.TMin(), TMax: p.TMax()}, Orders: append([]int(nil), r.Orders...)}
	if r.Orders == nil {
		f.Orders = nil
	}
	if f.Calibration.Loss == "" {
		f.Calibration.Loss = "pathwise-rmse"
	}
	if !math.IsNaN(r.CheckLoss) {
		a, b := r.StartCheck, r.CheckLoss
		f.StartCheck, f.CheckLoss = &a, &b
	}
	f.StartLosses = map[string]float64{}
	for k, v := range r.StartLosses {
		if !math.IsInf(v, 0) && !math.IsNaN(v) { // JSON has no Inf
			f.StartLosses[k] = v
		}
	}
	for _, t := range r.Times[:len(r.Times)-1] {
		f.Process.LogSNR = append(f.Process.LogSNR, p.LogSNR(t))
	}
	return f
}

// IsScheduleFile reports whether a schedule argument names a file (it ends in .json) rather than a built-in.
func IsScheduleFile(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".json") }

// LoadScheduleFile reads and checks a schedule file.
func LoadScheduleFile(path string) (*ScheduleFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("diffusion: schedule file: %w", err)
	}
	var f ScheduleFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("diffusion: schedule file %s: %w", path, err)
	}
	if f.Format != ScheduleFileFormat {
		return nil, fmt.Errorf("diffusion: schedule file %s: format %q, want %q", path, f.Format, ScheduleFileFormat)
	}
	if len(f.Grid) < 2 || f.Steps != len(f.Grid)-1 || len(f.Process.LogSNR) != f.Steps {
		return nil, fmt.Errorf("diffusion: schedule file %s: %d times, %d steps and %d log-SNR values do not agree", path, len(f.Grid), f.Steps, len(f.Process.LogSNR))
	}
	if f.NFE < 1 || f.Process.Name == "" {
		return nil, fmt.Errorf("diffusion: schedule file %s: missing NFE or process", path)
	}
	if f.Orders != nil {
		if len(f.Orders) != f.Steps {
			return nil, fmt.Errorf("diffusion: schedule file %s: %d step orders for %d steps", path, len(f.Orders), f.Steps)
		}
		for i, k := range f.Orders {
			if k < 1 {
				return nil, fmt.Errorf("diffusion: schedule file %s: step %d has order %d, want at least 1", path, i, k)
			}
		}
	}
	f.Path = path
	return &f, nil
}

// Save writes the file as indented JSON, atomically.
func (f *ScheduleFile) Save(path string) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("diffusion: schedule file: %w", err)
	}
	if err := fsutil.WriteFileAtomic(path, append(b, '\n')); err != nil {
		return fmt.Errorf("diffusion: schedule file: %w", err)
	}
	return nil
}

// Name names the file and what it was searched for.
func (f *ScheduleFile) Name() string {
	base := filepath.Base(f.Path)
	if f.Path == "" {
		base = "searched"
	}
	if f.Orders != nil {
		return fmt.Sprintf("%s (searched for %s with step orders %s, %d NFE)", base, f.Solver, FormatStepOrders(f.Orders), f.NFE)
	}
	return fmt.Sprintf("%s (searched for %s, %d NFE)", base, f.Solver, f.NFE)
}

// SolverFor returns the solver that runs the file's grid for s: s itself for a file without step orders;
// for a file with them, s with those orders, provided s is the solver they were searched for (same name,
// a StepOrderSolver without orders of its own). The orders are checked against the grid when the plan is
// compiled.
func (f *ScheduleFile) SolverFor(s Solver) (Solver, error) {
	if f.Orders == nil {
		return s, nil
	}
	sos, ok := s.(StepOrderSolver)
	if !ok || s.Name() != f.Solver {
		return nil, fmt.Errorf("diffusion: schedule %s carries step orders searched for %s; %s cannot run them (use --solver %s, or a schedule searched without orders)",
			f.Name(), f.Solver, s.Name(), f.Solver)
	}
	if o := sos.StepOrders(); o != nil && !slices.Equal(o, f.Orders) {
		return nil, fmt.Errorf("diffusion: schedule %s carries step orders %s; the solver has its own, %s", f.Name(), FormatStepOrders(f.Orders), FormatStepOrders(o))
	}
	return sos.WithStepOrders(f.Orders), nil
}

// ScheduleSolver returns the solver to compile with schedule sch: s with the searched step orders where sch
// is a schedule file that records them (ScheduleFile.SolverFor, which refuses a solver that cannot honour
// them), s itself otherwise. Every path that compiles a plan from a schedule name calls it (PlanForNFE does).
func ScheduleSolver(s Solver, sch Schedule) (Solver, error) {
	if f, ok := sch.(*ScheduleFile); ok {
		return f.SolverFor(s)
	}
	return s, nil
}

// Times returns the stored grid after checking that p is the process it was searched on and n its step
// count.
func (f *ScheduleFile) Times(p Process, n int) ([]float64, error) {
	if err := f.CheckProcess(p); err != nil {
		return nil, err
	}
	if n != f.Steps {
		return nil, fmt.Errorf("diffusion: schedule %s has %d steps (searched for %s at %d NFE), %d steps requested", f.Name(), f.Steps, f.Solver, f.NFE, n)
	}
	times := append([]float64(nil), f.Grid...)
	if err := ValidateTimes(p, times); err != nil {
		return nil, fmt.Errorf("diffusion: schedule %s: %w", f.Name(), err)
	}
	return times, nil
}

// CheckProcess refuses a process other than the one the grid was searched on.
func (f *ScheduleFile) CheckProcess(p Process) error {
	rel := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*(1+math.Abs(b)) }
	if p.Name() != f.Process.Name || !rel(p.TMax(), f.Process.TMax) || !rel(p.TMin(), f.Process.TMin) {
		return fmt.Errorf("diffusion: schedule %s was searched on process %s (t in [%g, %g]), not on %s (t in [%g, %g])",
			f.Name(), f.Process.Name, f.Process.TMin, f.Process.TMax, p.Name(), p.TMin(), p.TMax())
	}
	for i, l := range f.Process.LogSNR {
		if got := p.LogSNR(f.Grid[i]); !rel(got, l) {
			return fmt.Errorf("diffusion: schedule %s: process %s has log-SNR %v at t = %v, the file records %v: the process's constants differ from the searched one's",
				f.Name(), p.Name(), got, f.Grid[i], l)
		}
	}
	return nil
}

// checkNFE refuses an evaluation budget other than the searched one (PlanForNFE).
func (f *ScheduleFile) checkNFE(nfe int) error {
	if nfe != f.NFE {
		return fmt.Errorf("diffusion: schedule %s was searched for a budget of %d NFE, not %d", f.Name(), f.NFE, nfe)
	}
	return nil
}
