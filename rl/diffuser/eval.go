package diffuser

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/trajdiff/trajdiff/internal/parallel"
	"github.com/trajdiff/trajdiff/internal/stream"
	"github.com/trajdiff/trajdiff/rl"
)

// Agent makes the policy of one episode: Policy gets the episode's maze (reset, with its target set) and
// the episode's own random stream. Policies that plan report their plan through a Plan() *Plan method.
type Agent struct {
	Name   string
	Policy func(ctx context.Context, m *rl.Maze, rng *rand.Rand) (rl.Policy, error)
}

// Agent returns the planner as an evaluation agent: one plan per episode, its noise seed drawn from the
// episode's stream.
func (p *Planner) Agent(name string) Agent {
	return Agent{Name: name, Policy: func(ctx context.Context, m *rl.Maze, rng *rand.Rand) (rl.Policy, error) {
		return p.Policy(ctx, m, rng.Uint64()), nil
	}}
}

// ExpertAgent is D4RL's waypoint controller (rl.NewControllerPolicy), a fresh one per episode.
func ExpertAgent() Agent {
	return Agent{Name: "expert", Policy: func(_ context.Context, m *rl.Maze, rng *rand.Rand) (rl.Policy, error) {
		return rl.NewControllerPolicy(m, rng), nil
	}}
}

// RandomAgent draws uniform actions from the action box (D4RL's random reference).
func RandomAgent() Agent {
	return Agent{Name: "random", Policy: func(_ context.Context, m *rl.Maze, rng *rand.Rand) (rl.Policy, error) {
		return rl.NewRandomPolicy(m.ActionSpec(), rng), nil
	}}
}

// EvalConfig configures a closed-loop evaluation.
type EvalConfig struct {
	Layout string // "umaze", "medium" or "large"
	// Multi draws a random target at every reset (Diffuser's Multi2D: a uniform empty-or-goal cell plus
	// U(-0.1, 0.1) per axis, D4RL's set_target); otherwise the target is the layout's goal cell (v1).
	Multi    bool
	Episodes int
	Seed     uint64
	// Workers runs episodes in parallel (0: all cores). Planners share their network, whose calls are
	// serialised, so latencies measured with more than one worker include waiting for it.
	Workers int
	// Progress, if set, is called after each episode with (done, total) episodes over all agents.
	Progress func(done, total int)
}

// Episode is one episode of one agent.
type Episode struct {
	Index     int        `json:"index"`
	ResetSeed uint64     `json:"reset_seed"`
	Start     [4]float64 `json:"start"`
	Goal      [2]float64 `json:"goal"`
	Steps     int        `json:"steps"`
	Return    float64    `json:"return"` // steps ending within rl.GoalRadius of the goal
	Score     float64    `json:"score"`  // D4RL's normalised score x100 of Return
	Success   bool       `json:"success"`
	// FirstHit is the first step (1-based) that ended within the goal radius, 0 if none.
	FirstHit int `json:"first_hit"`
	// Planning (zero for agents that do not plan).
	PlanSeconds       float64 `json:"plan_seconds,omitempty"`
	NFE               int     `json:"nfe,omitempty"`
	PlanWallPoints    int     `json:"plan_wall_points,omitempty"`
	PlanOutsidePoints int     `json:"plan_outside_points,omitempty"`
	PlanWallSegments  int     `json:"plan_wall_segments,omitempty"`
	PlanMeanStep      float64 `json:"plan_mean_step,omitempty"`
	PlanMaxStep       float64 `json:"plan_max_step,omitempty"`
	// StepSeconds is the mean time of the policy's Act per environment step (the first includes planning).
	StepSeconds float64 `json:"step_seconds"`

	Path     [][2]float64    `json:"-"` // executed positions, the start first
	Plan     *Plan           `json:"-"`
	stepTime []time.Duration // each Act
}

// Summary aggregates an agent's episodes.
type Summary struct {
	Agent    string `json:"agent"`
	Episodes int    `json:"episodes"`
	// ScoreMean +- ScoreSE: the normalised score x100 and its standard error as Diffuser's read_results
	// reports it (population standard deviation / sqrt(n)).
	ScoreMean   float64 `json:"score_mean"`
	ScoreSE     float64 `json:"score_se"`
	ReturnMean  float64 `json:"return_mean"`
	SuccessRate float64 `json:"success_rate"`
	// Planning latency per plan and the policy's latency per environment step (median, 95th percentile,
	// linear interpolation), in seconds; NFE per plan.
	PlanMedian       float64 `json:"plan_median_seconds,omitempty"`
	PlanP95          float64 `json:"plan_p95_seconds,omitempty"`
	StepMedian       float64 `json:"step_median_seconds"`
	StepP95          float64 `json:"step_p95_seconds"`
	StepMean         float64 `json:"step_mean_seconds"`
	NFE              int     `json:"nfe,omitempty"`
	PlanWallPoints   int     `json:"plan_wall_points"`   // over all plans
	PlanWallSegments int     `json:"plan_wall_segments"` // over all plans (Plan.WallSegments)
	PlansInWalls     int     `json:"plans_in_walls"`     // plans with a point or a segment in a wall or outside
	// PlanMeanStep is the mean over plans of Plan.MeanStep, PlanMaxStep the median of Plan.MaxStep.
	PlanMeanStep float64 `json:"plan_mean_step,omitempty"`
	PlanMaxStep  float64 `json:"plan_max_step_median,omitempty"`
}

// AgentResult is an agent's summary and episodes.
type AgentResult struct {
	Summary  Summary   `json:"summary"`
	Episodes []Episode `json:"episodes"`
}

// Results of Evaluate, in the order of its agents.
type Results struct {
	Layout   string        `json:"layout"`
	Env      string        `json:"env"` // e.g. "maze2d-umaze-v1" or "multi2d-umaze"
	Multi    bool          `json:"multi"`
	Episodes int           `json:"episodes"`
	Seed     uint64        `json:"seed"`
	Agents   []AgentResult `json:"agents"`
}

// resetSeed is episode i's reset seed; every agent sees the same starts and targets.
func resetSeed(seed uint64, i int) uint64 {
	return stream.RNG(seed, "diffuser/eval/reset", uint64(i), "rl/diffu").Uint64()
}

// Evaluate runs cfg.Episodes closed-loop episodes of each agent on the maze: episode i of every agent
// resets from the same seed (so all agents face the same starts and targets), the agent's policy gets its
// own stream keyed by (Seed, agent, i), and results do not depend on Workers. Each episode lasts the
// layout's time limit; its return counts the steps within rl.GoalRadius of the target.
func Evaluate(ctx context.Context, cfg EvalConfig, agents []Agent) (*Results, error) {
	if cfg.Episodes < 1 {
		return nil, fmt.Errorf("diffuser: evaluation needs at least one episode, got %d", cfg.Episodes)
	}
	if len(agents) == 0 {
		return nil, fmt.Errorf("diffuser: evaluation needs at least one agent")
	}
	l, err := rl.LayoutByName(cfg.Layout)
	if err != nil {
		return nil, fmt.Errorf("diffuser: %w", err)
	}
	res := &Results{Layout: l.Name, Env: l.D4RLName, Multi: cfg.Multi, Episodes: cfg.Episodes, Seed: cfg.Seed}
	if cfg.Multi {
		res.Env = "multi2d-" + l.Name
	}
	total, done := len(agents)*cfg.Episodes, 0
	for _, ag := range agents {
		ar := AgentResult{Episodes: make([]Episode, 0, cfg.Episodes)}
		err := parallel.Ordered(ctx, 0, cfg.Episodes, cfg.Workers, func(ctx context.Context, i int) (Episode, error) {
			return runEpisode(ctx, cfg, l, ag, i)
		}, func(_ int, ep Episode) error {
			ar.Episodes = append(ar.Episodes, ep)
			done++
			if cfg.Progress != nil {
				cfg.Progress(done, total)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("diffuser: evaluating %s: %w", ag.Name, err)
		}
		ar.Summary = summarize(ag.Name, ar.Episodes)
		res.Agents = append(res.Agents, ar)
	}
	return res, nil
}

func runEpisode(ctx context.Context, cfg EvalConfig, l *rl.Layout, ag Agent, i int) (Episode, error) {
	m, err := rl.NewMaze(rl.MazeConfig{Layout: l.Name, ResetTarget: cfg.Multi})
	if err != nil {
		return Episode{}, err
	}
	ep := Episode{Index: i, ResetSeed: resetSeed(cfg.Seed, i)}
	obs, act := make([]float64, 4), make([]float64, 2)
	if err := m.Reset(ep.ResetSeed, obs); err != nil {
		return ep, err
	}
	ep.Start = [4]float64(obs)
	ep.Goal[0], ep.Goal[1] = m.Target()
	pol, err := ag.Policy(ctx, m, stream.RNG(cfg.Seed, "diffuser/eval/policy/"+ag.Name, uint64(i), "rl/diffu"))
	if err != nil {
		return ep, err
	}
	ep.Path = append(make([][2]float64, 0, m.MaxEpisodeSteps()+1), [2]float64{obs[0], obs[1]})
	ep.stepTime = make([]time.Duration, 0, m.MaxEpisodeSteps())
	var busy time.Duration
	for {
		if err := ctx.Err(); err != nil {
			return ep, err
		}
		began := time.Now()
		if err := pol.Act(obs, act); err != nil {
			return ep, fmt.Errorf("episode %d, step %d: %w", i, ep.Steps, err)
		}
		dt := time.Since(began)
		busy += dt
		ep.stepTime = append(ep.stepTime, dt)
		tr, err := m.Step(act, obs)
		if err != nil {
			return ep, fmt.Errorf("episode %d, step %d: %w", i, ep.Steps, err)
		}
		ep.Steps++
		ep.Path = append(ep.Path, [2]float64{obs[0], obs[1]})
		ep.Return += tr.Reward
		if tr.Reward > 0 && ep.FirstHit == 0 {
			ep.FirstHit = ep.Steps
		}
		if tr.Terminated || tr.Truncated {
			break
		}
	}
	ep.Success = ep.FirstHit > 0
	ep.Score = l.NormalizedScore(ep.Return)
	ep.StepSeconds = busy.Seconds() / float64(ep.Steps)
	if pp, ok := pol.(interface{ Plan() *Plan }); ok && pp.Plan() != nil {
		pl := pp.Plan()
		ep.Plan, ep.PlanSeconds, ep.NFE = pl, pl.Latency.Seconds(), pl.NFE
		ep.PlanWallPoints, ep.PlanOutsidePoints = pl.WallPoints, pl.OutsidePoints
		ep.PlanMeanStep, ep.PlanMaxStep, ep.PlanWallSegments = pl.MeanStep, pl.MaxStep, pl.WallSegments
	}
	return ep, nil
}

func summarize(name string, eps []Episode) Summary {
	s := Summary{Agent: name, Episodes: len(eps)}
	n := float64(len(eps))
	var plans, steps, jumps []float64
	for _, ep := range eps {
		s.ScoreMean += ep.Score / n
		s.ReturnMean += ep.Return / n
		if ep.Success {
			s.SuccessRate += 1 / n
		}
		if ep.Plan != nil {
			plans = append(plans, ep.PlanSeconds)
			jumps = append(jumps, ep.PlanMaxStep)
			s.PlanMeanStep += ep.PlanMeanStep
			s.NFE = ep.NFE
			s.PlanWallPoints += ep.PlanWallPoints
			s.PlanWallSegments += ep.PlanWallSegments
			if ep.PlanWallPoints > 0 || ep.PlanWallSegments > 0 {
				s.PlansInWalls++
			}
		}
		for _, d := range ep.stepTime {
			steps = append(steps, d.Seconds())
		}
	}
	v := 0.0
	for _, ep := range eps {
		v += (ep.Score - s.ScoreMean) * (ep.Score - s.ScoreMean) / n
	}
	s.ScoreSE = math.Sqrt(v / n)
	s.PlanMedian, s.PlanP95 = Quantile(plans, 0.5), Quantile(plans, 0.95)
	s.PlanMaxStep = Quantile(jumps, 0.5)
	if len(plans) > 0 {
		s.PlanMeanStep /= float64(len(plans))
	}
	s.StepMedian, s.StepP95 = Quantile(steps, 0.5), Quantile(steps, 0.95)
	for _, x := range steps {
		s.StepMean += x / float64(len(steps))
	}
	return s
}

// Quantile is the q-quantile of xs with linear interpolation between order statistics (NumPy's default);
// 0 for no values.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	h := q * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}
