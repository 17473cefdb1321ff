package diffuser

import (
	"fmt"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/train"
)

// CalibrationProblem is the planner's sampling problem on n (start, goal) pairs for a solver-schedule
// search (diffusion.ScheduleSearch): starts and goals drawn as D4RL's resets with random targets (Multi2D's
// distribution, which covers U-Maze's fixed goal cell), from seed's stream "diffuser/calibration", one
// window each, with the inpainting and clipping of Plan and seed's initial noise. solver and steps are the
// request's (they only select the model's defaults; the search compiles its own plans).
func (p *Planner) CalibrationProblem(n int, seed uint64, solver string, steps int) (*train.SamplingProblem, error) {
	if n < 1 {
		return nil, badInput("calibration needs at least one (start, goal) pair, got %d", n)
	}
	m, err := rl.NewMaze(rl.MazeConfig{Layout: p.layout.Name, ResetTarget: true})
	if err != nil {
		return nil, fmt.Errorf("diffuser: %w", err)
	}
	starts, goals := make([][4]float64, n), make([][2]float64, n)
	obs := make([]float64, 4)
	for i := range starts {
		if err := m.Reset(rl.StreamRNG(seed, "diffuser/calibration", uint64(i)).Uint64(), obs); err != nil {
			return nil, fmt.Errorf("diffuser: %w", err)
		}
		starts[i] = [4]float64(obs)
		goals[i][0], goals[i][1] = m.Target()
	}
	pr, err := p.model.SamplingProblem(train.SampleRequest{N: n, Solver: solver, Steps: steps, Seed: seed,
		Fixed: endpoints(starts, goals), ClipX0: !p.opt.NoClip})
	if err != nil {
		return nil, fmt.Errorf("diffuser: calibration: %w", err)
	}
	return pr, nil
}
