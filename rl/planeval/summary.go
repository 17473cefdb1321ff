package planeval

import (
	"math"

	"github.com/trajdiff/trajdiff/internal/stats"
)

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
	// Planning latency per plan and the policy's latency per environment step (median, 95th percentile),
	// in seconds, over all plans and steps of all episodes.
	Plans      int     `json:"plans"`
	PlanMedian float64 `json:"plan_median_seconds,omitempty"`
	PlanP95    float64 `json:"plan_p95_seconds,omitempty"`
	StepMedian float64 `json:"step_median_seconds"`
	StepP95    float64 `json:"step_p95_seconds"`
	StepMean   float64 `json:"step_mean_seconds"`
	// Network evaluations per plan and per environment step.
	NFEPerPlan float64 `json:"nfe_per_plan,omitempty"`
	NFEPerStep float64 `json:"nfe_per_step,omitempty"`
	// Plan quality over all plans: points and segments in walls (PathQuality), plans with either, the mean
	// over episodes of their plans' mean step and the median over episodes of their largest plan step.
	PlanWallPoints   int     `json:"plan_wall_points"`
	PlanWallSegments int     `json:"plan_wall_segments"`
	PlansInWalls     int     `json:"plans_in_walls"`
	PlanMeanStep     float64 `json:"plan_mean_step,omitempty"`
	PlanMaxStep      float64 `json:"plan_max_step_median,omitempty"`
}

// Summarize aggregates an agent's episodes.
func Summarize(name string, eps []Episode) Summary {
	s := Summary{Agent: name, Episodes: len(eps)}
	n := float64(len(eps))
	var plans, steps, jumps []float64
	nfe, planned, envSteps := 0, 0, 0
	for _, ep := range eps {
		s.ScoreMean += ep.Score / n
		s.ReturnMean += ep.Return / n
		if ep.Success {
			s.SuccessRate += 1 / n
		}
		steps = append(steps, ep.StepSeconds...)
		envSteps += ep.Steps
		if len(ep.PlanSeconds) == 0 {
			continue
		}
		planned++
		plans = append(plans, ep.PlanSeconds...)
		jumps = append(jumps, ep.PlanQuality.MaxStep)
		s.PlanMeanStep += ep.PlanQuality.MeanStep
		nfe += ep.NFE
		s.PlanWallPoints += ep.PlanQuality.WallPoints
		s.PlanWallSegments += ep.PlanQuality.WallSegments
		s.PlansInWalls += ep.PlansInWalls
	}
	v := 0.0
	for _, ep := range eps {
		v += (ep.Score - s.ScoreMean) * (ep.Score - s.ScoreMean) / n
	}
	s.ScoreSE = math.Sqrt(v / n)
	s.Plans = len(plans)
	s.PlanMedian, s.PlanP95 = stats.Quantile(plans, 0.5), stats.Quantile(plans, 0.95)
	s.PlanMaxStep = stats.Quantile(jumps, 0.5)
	if planned > 0 {
		s.PlanMeanStep /= float64(planned)
		s.NFEPerPlan = float64(nfe) / float64(len(plans))
		s.NFEPerStep = float64(nfe) / float64(envSteps)
	}
	s.StepMedian, s.StepP95 = stats.Quantile(steps, 0.5), stats.Quantile(steps, 0.95)
	for _, x := range steps {
		s.StepMean += x / float64(len(steps))
	}
	return s
}
