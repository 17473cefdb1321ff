package diffuser

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/rl"
)

// ScalingConfig asks for reward-versus-budget curves of search methods (Planner.ScalingCurve).
type ScalingConfig struct {
	Methods []diffusion.ParticleMethod
	Budgets []int // network evaluations per plan
	// Pairs (start, goal) are drawn as D4RL's resets from Seed's stream "diffuser/scaling", with the
	// layout's goal cell as the target (maze2d-*-v1) or, with Multi, random targets (Multi2D); each is
	// planned with Seeds plan seeds.
	Pairs, Seeds int
	Seed         uint64
	Multi        bool
	// Base holds the settings every search shares (Eta, Temperature, TopK, Particles, Reward); its Method and
	// Budget are replaced.
	Base     Search
	Progress func(done, total int)
}

// ScalingPoint is one method at one budget, over all pairs and seeds.
type ScalingPoint struct {
	Method     diffusion.ParticleMethod `json:"method"`
	Budget     int                      `json:"budget"`
	Solver     string                   `json:"solver"` // method/solver of the plans
	Steps      int                      `json:"steps"`
	Plans      int                      `json:"plans"`
	NFE        float64                  `json:"nfe_per_plan"` // measured mean
	RewardMean float64                  `json:"reward_mean"`
	RewardSE   float64                  `json:"reward_se"`
	// Feasible is the fraction of plans with reward 0: no point or segment in a wall, no step over the
	// reward's step limit.
	Feasible float64 `json:"feasible"`
	// InWalls is the fraction of plans with a point or segment in a wall.
	InWalls float64 `json:"in_walls"`
	// Seconds is the mean planning time.
	Seconds float64 `json:"seconds"`
	// Rewards holds every plan's reward, pair by pair, seed by seed (the same order for every point).
	Rewards []float64 `json:"rewards"`
}

// PairedDifference is the mean of a's rewards minus b's, plan by plan (the same pairs and seeds), with its
// standard error: the comparison of two methods without the spread between pairs.
func PairedDifference(a, b ScalingPoint) (mean, se float64, err error) {
	n := len(a.Rewards)
	if n == 0 || n != len(b.Rewards) {
		return 0, 0, badInput("paired difference of %d and %d plans", n, len(b.Rewards))
	}
	var sum, sum2 float64
	for i, r := range a.Rewards {
		d := r - b.Rewards[i]
		sum, sum2 = sum+d, sum2+d*d
	}
	mean = sum / float64(n)
	if n > 1 {
		se = math.Sqrt(max(0, sum2/float64(n)-mean*mean) / float64(n-1))
	}
	return mean, se, nil
}

// ScalingCurve plans every pair with every method at every budget and seed and reports the plans' mean
// reward (PlanReward of the base search) with its standard error over plans. Pair i uses plan seeds
// Seed + 1000 i + k for k < Seeds, the same for every method and budget.
func (p *Planner) ScalingCurve(ctx context.Context, cfg ScalingConfig) ([]ScalingPoint, error) {
	if len(cfg.Methods) == 0 || len(cfg.Budgets) == 0 || cfg.Pairs < 1 || cfg.Seeds < 1 {
		return nil, badInput("a scaling curve needs methods, budgets, at least one pair and one seed")
	}
	var searches []*Planner
	for _, m := range cfg.Methods {
		for _, b := range cfg.Budgets {
			s := cfg.Base
			s.Method, s.Budget = m, b
			q, err := p.WithSearch(s)
			if err != nil {
				return nil, fmt.Errorf("%s at %d evaluations: %w", m, b, err)
			}
			searches = append(searches, q)
		}
	}
	maze, err := rl.NewMaze(rl.MazeConfig{Layout: p.layout.Name, ResetTarget: cfg.Multi})
	if err != nil {
		return nil, fmt.Errorf("diffuser: %w", err)
	}
	starts, goals := make([][4]float64, cfg.Pairs), make([][2]float64, cfg.Pairs)
	obs := make([]float64, 4)
	for i := range starts {
		if err := maze.Reset(rl.StreamRNG(cfg.Seed, "diffuser/scaling", uint64(i)).Uint64(), obs); err != nil {
			return nil, fmt.Errorf("diffuser: %w", err)
		}
		starts[i] = [4]float64(obs)
		goals[i][0], goals[i][1] = maze.Target()
	}
	out := make([]ScalingPoint, len(searches))
	total, done := len(searches)*cfg.Pairs*cfg.Seeds, 0
	for j, q := range searches {
		pt := &out[j]
		pt.Method, pt.Budget = q.search.Method, q.search.Budget
		var sum, sum2 float64
		for i := range starts {
			for k := 0; k < cfg.Seeds; k++ {
				began := time.Now()
				pl, err := q.Plan(ctx, starts[i], goals[i], cfg.Seed+1000*uint64(i)+uint64(k))
				if err != nil {
					return nil, err
				}
				r := q.search.Reward.Of(p.layout, pl.Positions())
				pt.Solver, pt.Steps = pl.Solver, pl.Steps
				pt.Plans++
				pt.Rewards = append(pt.Rewards, r)
				sum, sum2 = sum+r, sum2+r*r
				pt.NFE += float64(pl.NFE)
				pt.Seconds += time.Since(began).Seconds()
				if r == 0 {
					pt.Feasible++
				}
				if pl.InWalls() {
					pt.InWalls++
				}
				if done++; cfg.Progress != nil {
					cfg.Progress(done, total)
				}
			}
		}
		n := float64(pt.Plans)
		pt.RewardMean = sum / n
		if pt.Plans > 1 {
			pt.RewardSE = math.Sqrt(max(0, sum2/n-pt.RewardMean*pt.RewardMean) * n / (n - 1) / n)
		}
		pt.NFE, pt.Seconds, pt.Feasible, pt.InWalls = pt.NFE/n, pt.Seconds/n, pt.Feasible/n, pt.InWalls/n
	}
	return out, nil
}
