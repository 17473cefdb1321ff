package train

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// The Trajectory Diffuser example configurations (configs/td-*.toml) load and validate: their entries fit
// maze2d's windows (actions 2, observations 4), the draft's inputs are listed token by token ((x, y, vx, vy,
// returns@k) for k = 0..7, so that the seq_regressor's tokens are the (state, RTG) rows) and it fits s_8 as
// its increment over s_7, each network builds with the in and out its entries need, and when the
// configured dataset is present its trainer opens it.
func TestTrajectoryDiffuserConfigs(t *testing.T) {
	for file, transition := range map[string]int{"td-draft-umaze-small.toml": 4, "td-critic-umaze-small.toml": 6} {
		t.Run(file, func(t *testing.T) {
			cfg, in, out := loadRegressionConfig(t, file, transition)
			net, err := cfg.Network.NewRegressor(tensor.Float32, cfg.Train.Seed)
			if err != nil {
				t.Fatal(err)
			}
			if net.In() != len(in) || net.Out() != len(out) {
				t.Errorf("network %d -> %d, entries %d -> %d", net.In(), net.Out(), len(in), len(out))
			}
			ins, _ := cfg.Data.InputEntries()
			if cfg.Network.Arch == "seq_regressor" {
				c := cfg.Network.SeqRegressor
				want := tokenInputs(c.Tokens, transition, true)
				if c.TokenDim != transition+1 || !slices.Equal(cfg.Data.Inputs, want) {
					t.Errorf("draft inputs %v (token_dim %d), want token by token %v", cfg.Data.Inputs, c.TokenDim, want)
				}
				if cfg.Data.Horizon != c.Tokens+1 {
					t.Errorf("horizon %d for %d tokens, want tokens + 1", cfg.Data.Horizon, c.Tokens)
				}
				if !slices.Equal(cfg.Data.RelativeTo, []string{"7:0", "7:1", "7:2", "7:3", ""}) {
					t.Errorf("draft targets %v relative to %v, want s_8 over s_7 and the return as it is", cfg.Data.Targets, cfg.Data.RelativeTo)
				}
			} else if !slices.Equal(cfg.Data.Targets, []string{"returns"}) || usesReturns(ins) {
				t.Errorf("critic targets %v, want [returns]", cfg.Data.Targets)
			}
			if _, err := os.Stat(cfg.Data.Path); err != nil {
				t.Logf("%s not present: configuration checked without its data", cfg.Data.Path)
				return
			}
			tr, ds, err := cfg.Trainer()
			if err != nil {
				t.Fatal(err)
			}
			defer ds.Close()
			if !slices.Equal(tr.Inputs, in) || !slices.Equal(tr.Targets, out) {
				t.Errorf("trainer positions %v -> %v, want %v -> %v", tr.Inputs, tr.Targets, in, out)
			}
		})
	}
}

// The goal-conditioned planner configurations load and validate: Decision Diffuser's state model takes the
// goal-relative return and the goal as its three condition values, Trajectory Diffuser's draft reads tokens
// (x, y, vx, vy, G, gx, gy) of the columns [observations, infos/goal_return, infos/goal] and predicts
// (s_K, G_K), s_K as its increment over s_K-1, and its critic maps (a, s, g) of [actions, observations, infos/goal, infos/goal_return] to G.
func TestGoalConditionedPlannerConfigs(t *testing.T) {
	dd, err := LoadConfig("../configs/dd-umaze-goal-small.toml")
	if err != nil {
		t.Fatal(err)
	}
	items, err := dd.Data.ConditionItems()
	if err != nil || len(items) != 3 || dd.Network.TemporalUnet.CondDim != 3 || items[0].String() != "info:goal_return:0" || dd.Train.CondDropout != 0.25 {
		t.Errorf("state model: items %v (%v), cond_dim %d", items, err, dd.Network.TemporalUnet.CondDim)
	}
	for file, transition := range map[string]int{"td-draft-umaze-goal-small.toml": 7, "td-critic-umaze-goal-small.toml": 9} {
		cfg, _, _ := loadRegressionConfig(t, file, transition)
		if cfg.Network.Arch == "seq_regressor" {
			c := cfg.Network.SeqRegressor
			want := tokenInputs(c.Tokens, transition, false)
			if c.TokenDim != transition || !slices.Equal(cfg.Data.Inputs, want) || cfg.Data.Horizon != c.Tokens+1 ||
				!slices.Equal(cfg.Data.Targets, []string{"8:0", "8:1", "8:2", "8:3", "8:4"}) ||
				!slices.Equal(cfg.Data.RelativeTo, []string{"7:0", "7:1", "7:2", "7:3", ""}) {
				t.Errorf("draft: inputs %v (token_dim %d, horizon %d), targets %v relative to %v", cfg.Data.Inputs, c.TokenDim, cfg.Data.Horizon, cfg.Data.Targets, cfg.Data.RelativeTo)
			}
		} else if !slices.Equal(cfg.Data.Targets, []string{"0:8"}) || len(cfg.Data.Inputs) != 8 {
			t.Errorf("critic: %v -> %v", cfg.Data.Inputs, cfg.Data.Targets)
		}
	}
}

// loadRegressionConfig loads configs/file, a regression over windows of the given transition width, and
// checks that its entries fit the window and its network their count; it returns the configuration and
// the entries' positions.
func loadRegressionConfig(t *testing.T, file string, transition int) (Config, []int, []int) {
	t.Helper()
	cfg, err := LoadConfig(filepath.Join("..", "configs", file))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Objective.Kind != ObjectiveRegression {
		t.Fatalf("%s: objective kind %q", file, cfg.Objective.Kind)
	}
	in, out, err := cfg.Data.regressionIndices(cfg.Data.Horizon, transition)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if err := checkRegressor(cfg.Network, len(in), len(out)); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if _, err := cfg.Data.relativeBases(cfg.Data.Horizon, transition); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return cfg, in, out
}

// tokenInputs lists a draft's inputs token by token: the entries "k:0".."k:(width-1)" of steps k < tokens,
// each followed by "returns@k" when returns is set.
func tokenInputs(tokens, width int, returns bool) []string {
	var out []string
	for k := range tokens {
		for j := range width {
			out = append(out, fmt.Sprintf("%d:%d", k, j))
		}
		if returns {
			out = append(out, fmt.Sprintf("returns@%d", k))
		}
	}
	return out
}
