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
// returns@k) for k = 0..7, so that the seq_regressor's tokens are the (state, RTG) rows), each network
// builds with the in and out its entries need, and when the configured dataset is present its trainer
// opens it.
func TestTrajectoryDiffuserConfigs(t *testing.T) {
	for file, transition := range map[string]int{"td-draft-umaze-small.toml": 4, "td-critic-umaze-small.toml": 6} {
		t.Run(file, func(t *testing.T) {
			cfg, err := LoadConfig(filepath.Join("..", "configs", file))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Objective.Kind != ObjectiveRegression {
				t.Fatalf("objective kind %q", cfg.Objective.Kind)
			}
			in, out, err := cfg.Data.regressionIndices(cfg.Data.Horizon, transition)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkRegressor(cfg.Network, len(in), len(out)); err != nil {
				t.Fatal(err)
			}
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
				var want []string
				for k := 0; k < c.Tokens; k++ {
					for j := 0; j < transition; j++ {
						want = append(want, fmt.Sprintf("%d:%d", k, j))
					}
					want = append(want, fmt.Sprintf("returns@%d", k))
				}
				if c.TokenDim != transition+1 || !slices.Equal(cfg.Data.Inputs, want) {
					t.Errorf("draft inputs %v (token_dim %d), want token by token %v", cfg.Data.Inputs, c.TokenDim, want)
				}
				if cfg.Data.Horizon != c.Tokens+1 {
					t.Errorf("horizon %d for %d tokens, want tokens + 1", cfg.Data.Horizon, c.Tokens)
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
