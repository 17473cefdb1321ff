// Package planmodel checks and wraps the trained models the planners of rl/ share, so that planners need
// not import each other: a model's data range against a maze, the inverse dynamics a_t = f(s_t, s_t+1)
// (Decision Diffuser, Trajectory Diffuser) and the critic Q(s, a) (Trajectory Diffuser). It sits on rl and
// train.
package planmodel

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/train"
)

// ErrMismatch marks a model of another kind, layout or maze than the one asked for.
var ErrMismatch = errors.New("model does not fit")

func mismatch(format string, args ...any) error {
	return fmt.Errorf("planmodel: %w: %s", ErrMismatch, fmt.Sprintf(format, args...))
}

// CheckMaze checks a model's range of positions (its observations column's limits normaliser; other
// normalisers keep no range and pass) against l's free cells (rl.Layout.CheckPositionRange); what names
// the model in the error.
func CheckMaze(m *train.Model, l *rl.Layout, what string) error {
	i := slices.IndexFunc(m.Columns, func(c train.Column) bool { return c.Name == "observations" })
	if i < 0 {
		return mismatch("the %s has no observations column", what)
	}
	lo, hi, ok := m.Normalizer(i).Limits()
	if !ok {
		return nil
	}
	if err := l.CheckPositionRange(lo, hi); err != nil {
		return mismatch("the %s's training data: %v", what, err)
	}
	return nil
}

func names(prefix []string, steps []int, width int) []string {
	var out []string
	for _, t := range steps {
		for _, p := range prefix {
			for k := range width {
				out = append(out, fmt.Sprintf("%d:%s[%d]", t, p, k))
			}
		}
	}
	return out
}

// GoalCondition is the condition (data.condition) of a goal-conditioned states-only model (Decision
// Diffuser's, Trajectory Diffuser's refinement): the goal-relative return (rl.GoalReturns) and the goal.
func GoalCondition() []string {
	return []string{"info:" + rl.GoalReturnInfo + ":0", "info:goal:0", "info:goal:1"}
}

// DefaultReturn is the return-to-go a returns-conditioned states model m is asked for when the user names
// none: Decision Diffuser's 0.9 of the returns scale (data.returns_scale, the largest return its data was
// normalised by), or, for a model conditioned on goal-relative returns (GoalCondition), 0.9 of the
// largest such return in its training data, the first condition value's range.
func DefaultReturn(m *train.Model) float64 {
	if m == nil {
		return 0
	}
	if _, hi, ok := m.CondValueRange(0); ok {
		return 0.9 * hi
	}
	return 0.9 * m.Config.Data.ReturnsScale
}

// InverseDynamics is a regression model from (s_t, s_t+1) to a_t on maze2d transitions.
type InverseDynamics struct{ m *train.Model }

// NewInverseDynamics checks that m maps the observations at steps 0 and 1 to the actions at step 0
// (configs/invdyn-umaze-small.toml) and was trained in l's maze.
func NewInverseDynamics(m *train.Model, l *rl.Layout) (*InverseDynamics, error) {
	if m == nil {
		return nil, mismatch("no inverse-dynamics model")
	}
	in, out := names([]string{"observations"}, []int{0, 1}, 4), names([]string{"actions"}, []int{0}, 2)
	if !m.IsRegression() || !slices.Equal(m.InputNames(), in) || !slices.Equal(m.TargetNames(), out) {
		return nil, mismatch("the inverse-dynamics model maps %v to %v; want %v to %v", m.InputNames(), m.TargetNames(), in, out)
	}
	if err := CheckMaze(m, l, "inverse-dynamics model"); err != nil {
		return nil, err
	}
	return &InverseDynamics{m: m}, nil
}

// Actions returns a_i = f(s_i, next_i) for each pair, in the data's units.
func (f *InverseDynamics) Actions(ctx context.Context, s, next [][4]float64) ([][2]float64, error) {
	in := make([][]float64, len(s))
	for i := range s {
		in[i] = append(s[i][:], next[i][:]...)
	}
	out, err := f.m.Predict(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("planmodel: inverse dynamics: %w", err)
	}
	a := make([][2]float64, len(out))
	for i, o := range out {
		a[i] = [2]float64(o)
	}
	return a, nil
}

// Critic is a regression model from (a_t, s_t) to the discounted return-to-go R(t): Q(s, a); or, goal
// conditioned, from (a_t, s_t, g) to the goal-relative return G(t) of reaching g (rl.GoalReturns).
type Critic struct {
	m    *train.Model
	goal bool
}

// NewCritic checks that m maps the action and observation at step 0 (rows [actions(2), observations(4)])
// to "returns@0" (configs/td-critic-umaze-small.toml), or, with the goal (columns [actions, observations,
// infos/goal, infos/goal_return]), to the goal-relative return at step 0
// (configs/td-critic-umaze-goal-small.toml), and that it was trained in l's maze.
func NewCritic(m *train.Model, l *rl.Layout) (*Critic, error) {
	if m == nil {
		return nil, mismatch("no critic")
	}
	in := names([]string{"actions"}, []int{0}, 2)
	in = append(in, names([]string{"observations"}, []int{0}, 4)...)
	goalIn := append(slices.Clone(in), names([]string{"infos/goal"}, []int{0}, 2)...)
	goalOut := names([]string{"infos/" + rl.GoalReturnInfo}, []int{0}, 1)
	var goal bool
	switch {
	case m.IsRegression() && slices.Equal(m.InputNames(), in) && slices.Equal(m.TargetNames(), []string{"returns@0"}):
	case m.IsRegression() && slices.Equal(m.InputNames(), goalIn) && slices.Equal(m.TargetNames(), goalOut):
		goal = true
	default:
		return nil, mismatch("the critic maps %v to %v; want %v to [returns@0], or %v to %v", m.InputNames(), m.TargetNames(), in, goalIn, goalOut)
	}
	if err := CheckMaze(m, l, "critic"); err != nil {
		return nil, err
	}
	return &Critic{m: m, goal: goal}, nil
}

// GoalConditioned reports a critic of the goal-relative return, which GoalValues evaluates.
func (q *Critic) GoalConditioned() bool { return q.goal }

// Values returns Q(s_i, a_i), in the data's units (a discounted return), for a critic of the layout's
// returns.
func (q *Critic) Values(ctx context.Context, s [][4]float64, a [][2]float64) ([]float64, error) {
	if q.goal {
		return nil, mismatch("the critic is goal-conditioned: use GoalValues")
	}
	return q.predict(ctx, s, a, nil)
}

// GoalValues returns Q(s_i, a_i; goal), the goal-relative return in the data's units, for a
// goal-conditioned critic.
func (q *Critic) GoalValues(ctx context.Context, s [][4]float64, a [][2]float64, goal [2]float64) ([]float64, error) {
	if !q.goal {
		return nil, mismatch("the critic values the layout's returns, not a goal's: use Values")
	}
	return q.predict(ctx, s, a, goal[:])
}

func (q *Critic) predict(ctx context.Context, s [][4]float64, a [][2]float64, goal []float64) ([]float64, error) {
	in := make([][]float64, len(s))
	for i := range s {
		in[i] = append(append(a[i][:], s[i][:]...), goal...)
	}
	out, err := q.m.Predict(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("planmodel: critic: %w", err)
	}
	v := make([]float64, len(out))
	for i, o := range out {
		v[i] = o[0]
	}
	return v, nil
}
