package planeval

import (
	"context"
	"fmt"
	"time"

	"github.com/trajdiff/trajdiff/internal/parallel"
	"github.com/trajdiff/trajdiff/internal/shard"
	"github.com/trajdiff/trajdiff/internal/stream"
	"github.com/trajdiff/trajdiff/rl"
)

// EvalConfig configures a closed-loop evaluation.
type EvalConfig struct {
	Layout string // "umaze", "medium" or "large"
	// Multi draws a random target at every reset (Diffuser's Multi2D: a uniform empty-or-goal cell plus
	// U(-0.1, 0.1) per axis, D4RL's set_target); otherwise the target is the layout's goal cell (v1).
	Multi    bool
	Episodes int
	Seed     uint64
	// Shard and Shards split the episodes into Shards contiguous blocks and run block Shard (0-based;
	// Shards 0 or 1: all of them). Episodes keep their indices and seeds, so Merge of all shards equals
	// the unsharded evaluation.
	Shard, Shards int
	// Workers runs episodes in parallel (0: all cores). Planners share their network, whose calls are
	// serialised, so latencies measured with more than one worker include waiting for it.
	Workers int
	// Progress, if set, is called after each episode with (done, total) episodes over all agents.
	Progress func(done, total int)
}

// Range is the block of episode indices [lo, hi) that the configuration's shard runs (internal/shard's
// rule, as every sharded command of trajdiff).
func (c EvalConfig) Range() (lo, hi int, err error) {
	if c.Shards < 0 {
		return 0, 0, fmt.Errorf("planeval: %d shards", c.Shards)
	}
	n := max(c.Shards, 1)
	if lo, hi, err = shard.Range(c.Episodes, c.Shard, n); err != nil {
		return 0, 0, fmt.Errorf("planeval: %w", err)
	}
	if lo == hi {
		return 0, 0, fmt.Errorf("planeval: shard %d/%d of %d episodes is empty", c.Shard, n, c.Episodes)
	}
	return lo, hi, nil
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
	// StepSeconds is the time of the policy's Act at each environment step (planning included).
	StepSeconds []float64 `json:"step_seconds"`
	// Planning (empty for agents that do not plan): each plan's latency, the network evaluations of all
	// plans, the plans' quality (wall counts summed over plans, MeanStep averaged, MaxStep the largest)
	// and the number of plans with a point or segment in a wall.
	PlanSeconds  []float64   `json:"plan_seconds,omitempty"`
	NFE          int         `json:"nfe,omitempty"`
	PlanQuality  PathQuality `json:"plan_quality"`
	PlansInWalls int         `json:"plans_in_walls,omitempty"`
	// Path holds the executed positions, the start first; FirstPlan the positions of the first plan.
	Path      [][2]float64 `json:"path"`
	FirstPlan [][2]float64 `json:"first_plan,omitempty"`
}

// AgentResult is an agent's summary and episodes.
type AgentResult struct {
	Summary  Summary   `json:"summary"`
	Episodes []Episode `json:"episodes"`
}

// Results of Evaluate, in the order of its agents.
type Results struct {
	Layout   string `json:"layout"`
	Env      string `json:"env"` // e.g. "maze2d-umaze-v1" or "multi2d-umaze"
	Multi    bool   `json:"multi"`
	Episodes int    `json:"episodes"` // of the whole evaluation; a shard holds its Range
	Seed     uint64 `json:"seed"`
	Shard    int    `json:"shard"`
	Shards   int    `json:"shards"` // 0 or 1: not sharded (or merged)
	// Seeds lists the evaluations' seeds of a pooled evaluation (Pool; Seed is then 0).
	Seeds  []uint64      `json:"seeds,omitempty"`
	Agents []AgentResult `json:"agents"`
}

// resetSeed is episode i's reset seed; every agent sees the same starts and targets.
func resetSeed(seed uint64, i int) uint64 {
	return stream.RNG(seed, "diffuser/eval/reset", uint64(i), "rl/diffu").Uint64()
}

// Evaluate runs the configuration's episodes (all, or its shard's block) of each agent on the maze:
// episode i of every agent resets from the same seed (so all agents face the same starts and targets),
// the agent's policy gets its own stream keyed by (Seed, agent, i), and results depend neither on
// Workers nor on sharding. Each episode lasts the layout's time limit; its return counts the steps
// within rl.GoalRadius of the target.
func Evaluate(ctx context.Context, cfg EvalConfig, agents []Agent) (*Results, error) {
	if cfg.Episodes < 1 {
		return nil, fmt.Errorf("planeval: evaluation needs at least one episode, got %d", cfg.Episodes)
	}
	if len(agents) == 0 {
		return nil, fmt.Errorf("planeval: evaluation needs at least one agent")
	}
	lo, hi, err := cfg.Range()
	if err != nil {
		return nil, err
	}
	l, err := rl.LayoutByName(cfg.Layout)
	if err != nil {
		return nil, fmt.Errorf("planeval: %w", err)
	}
	res := &Results{Layout: l.Name, Env: envName(l, cfg.Multi), Multi: cfg.Multi, Episodes: cfg.Episodes, Seed: cfg.Seed,
		Shard: cfg.Shard, Shards: cfg.Shards}
	total, done := len(agents)*(hi-lo), 0
	for _, ag := range agents {
		ar := AgentResult{Episodes: make([]Episode, 0, hi-lo)}
		err := parallel.Ordered(ctx, lo, hi, cfg.Workers, func(ctx context.Context, i int) (Episode, error) {
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
			return nil, fmt.Errorf("planeval: evaluating %s: %w", ag.Name, err)
		}
		ar.Summary = Summarize(ag.Name, ar.Episodes)
		res.Agents = append(res.Agents, ar)
	}
	return res, nil
}

func envName(l *rl.Layout, multi bool) string {
	if multi {
		return "multi2d-" + l.Name
	}
	return l.D4RLName
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
	ep.StepSeconds = make([]float64, 0, m.MaxEpisodeSteps())
	for {
		if err := ctx.Err(); err != nil {
			return ep, err
		}
		began := time.Now()
		if err := pol.Act(obs, act); err != nil {
			return ep, fmt.Errorf("episode %d, step %d: %w", i, ep.Steps, err)
		}
		ep.StepSeconds = append(ep.StepSeconds, time.Since(began).Seconds())
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
	if r, ok := pol.(Reporter); ok {
		ep.addPlans(r.Plans())
	}
	return ep, nil
}

// addPlans records an episode's plans.
func (ep *Episode) addPlans(plans []PlanStats) {
	for k, p := range plans {
		if k == 0 {
			ep.FirstPlan = p.Positions
		}
		ep.PlanSeconds = append(ep.PlanSeconds, p.Latency.Seconds())
		ep.NFE += p.NFE
		q := &ep.PlanQuality
		q.WallPoints += p.Quality.WallPoints
		q.OutsidePoints += p.Quality.OutsidePoints
		q.WallSegments += p.Quality.WallSegments
		q.MeanStep += p.Quality.MeanStep / float64(len(plans))
		q.MaxStep = max(q.MaxStep, p.Quality.MaxStep)
		if p.Quality.InWalls() {
			ep.PlansInWalls++
		}
	}
}
