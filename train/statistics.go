package train

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"sync"

	"github.com/trajdiff/trajdiff/diffusion"
)

// StatisticsFile is where `trajdiff bench ems` stores a checkpoint's empirical model statistics, in its step
// directory: the file DPM-Solver-v3 reads when a request names no other.
const StatisticsFile = "ems.safetensors"

// statsCache keeps the statistics files a model has read, so that a planner replanning at every step reads
// its file once. It is shared by pointer and safe for concurrent use.
type statsCache struct {
	mu    sync.Mutex
	files map[string]*diffusion.EMS
	// plans keeps DPM-Solver-v3's compiled plans by solver and grid: compiling one integrates the statistics
	// over every step for every dimension (about 0.4 s for a 768-value maze2d plan), which a planner would
	// otherwise pay at every plan.
	plans map[string]*diffusion.Plan
}

// plan compiles the solver's plan on times, once per solver and grid for DPM-Solver-v3 (whose solver value
// carries its statistics, so a new statistics file is a new solver and is not confused with another).
func (c *statsCache) plan(s diffusion.Solver, p diffusion.Process, times []float64) (*diffusion.Plan, error) {
	v3, ok := s.(diffusion.DPMSolverV3)
	if !ok {
		return s.Plan(p, times)
	}
	key := fmt.Sprintf("%s %p %v %v %s %v", s.Name(), v3.Stats, v3.FullOrder, v3.NoCorrector, p.Name(), times)
	c.mu.Lock()
	defer c.mu.Unlock()
	if pl, ok := c.plans[key]; ok {
		return pl, nil
	}
	pl, err := s.Plan(p, times)
	if err != nil {
		return nil, err
	}
	if c.plans == nil {
		c.plans = map[string]*diffusion.Plan{}
	}
	c.plans[key] = pl
	return pl, nil
}

// solver builds the request's solver. DPM-Solver-v3 (diffusion.EMSSolverNames) needs the model's empirical
// model statistics: from the request's Statistics file, else StatisticsFile beside the checkpoint; they must
// belong to the checkpoint's process and data dimension (diffusion.LoadEMS).
func (m *Model) solver(name, statistics string) (diffusion.Solver, error) {
	if !slices.Contains(diffusion.EMSSolverNames(), name) {
		if statistics != "" {
			return nil, badRequest("Statistics %s given for %s, which uses none (only %v do)", statistics, name, diffusion.EMSSolverNames())
		}
		s, err := diffusion.NewSolver(name)
		if err != nil {
			return nil, fmt.Errorf("train: %w: %w", ErrBadRequest, err)
		}
		return s, nil
	}
	if m.Checkpoint.Denoiser == nil {
		return nil, badRequest("%s samples a denoiser; %s has none", name, m.Checkpoint.Path)
	}
	path := cmp.Or(statistics, filepath.Join(m.Checkpoint.Path, StatisticsFile))
	m.stats.mu.Lock()
	defer m.stats.mu.Unlock()
	ems, ok := m.stats.files[path]
	if !ok {
		var err error
		if ems, err = diffusion.LoadEMS(path, m.Checkpoint.Process, m.Checkpoint.Denoiser.Dim()); err != nil {
			return nil, fmt.Errorf("train: %w: %s needs the model's statistics (`trajdiff bench ems --checkpoint %s` writes them): %w",
				ErrBadRequest, name, m.Checkpoint.Path, err)
		}
		if m.stats.files == nil {
			m.stats.files = map[string]*diffusion.EMS{}
		}
		m.stats.files[path] = ems
	}
	s, err := diffusion.NewSolverWithStats(name, ems)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	return s, nil
}
