// Command td_draft_rollout measures a goal-conditioned Trajectory Diffuser draft (configs/td-draft-umaze-goal-small.toml
// and its Medium/Large copies) open loop, for docs/benchmarks.md: from -n contexts of 8 steps drawn at
// random from a Multi2D dataset written by `trajdiff simulate maze2d --goal-returns`, each draft rolls out
// -horizon states, and the command prints the mean step length of the rollouts next to the data's own
// continuations and the mean position error against them after 1, 8, 32 and horizon-1 steps.
//
// With -return R the context's goal-relative returns are replaced by R, as the planner's bookkeeping does
// at an episode's start (the data's continuation then is not what the draft was asked for, so the errors
// also measure how far the condition moves the rollout).
//
// Usage: go run ./scripts/rl/td_draft_rollout -data large-goal.arrow [-return 45] DRAFT_RUN...
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/train"
)

const tokens = 8 // the draft's context, (x, y, vx, vy, G, gx, gy) per step

type context8 struct {
	toks   [][7]float64 // the last tokens steps of the data before the rollout
	future [][2]float64 // the data's positions from the last context step on
}

func main() {
	data := flag.String("data", "", "Multi2D dataset with infos/goal_return and infos/goal")
	n := flag.Int("n", 40, "contexts")
	horizon := flag.Int("horizon", 128, "states per rollout, the current one included")
	ret := flag.Float64("return", math.NaN(), "replace the contexts' goal-relative returns by this value")
	seed := flag.Uint64("seed", 1, "seed of the contexts' episodes and steps")
	flag.Parse()
	if *data == "" || flag.NArg() == 0 || *horizon < 33 || *n < 1 {
		log.Fatal("usage: td_draft_rollout -data DATA [-n 40] [-horizon 128 (>= 33)] [-return R] DRAFT_RUN...")
	}
	cs, err := contexts(*data, *n, *horizon, *ret, *seed)
	if err != nil {
		log.Fatal(err)
	}
	for _, dir := range flag.Args() {
		m, err := train.Load(dir, train.LoadOptions{})
		if err != nil {
			log.Fatal(err)
		}
		step, truth, errAt, err := measure(m, cs, *horizon)
		if err != nil {
			log.Fatalf("%s: %v", dir, err)
		}
		fmt.Printf("%s: mean step %.4f (data %.4f); position error after 1 / 8 / 32 / %d steps: %.4f / %.4f / %.3f / %.3f\n",
			dir, step, truth, *horizon-1, errAt[0], errAt[1], errAt[2], errAt[3])
	}
}

// contexts draws n contexts with horizon steps of data after them.
func contexts(path string, n, horizon int, ret float64, seed uint64) ([]context8, error) {
	ds, err := datasets.Open(path)
	if err != nil {
		return nil, err
	}
	defer ds.Close()
	rng := rand.New(rand.NewPCG(seed, 2))
	var cs []context8
	for tries := 0; len(cs) < n; tries++ {
		if tries > 100*n {
			return nil, fmt.Errorf("%s: too few episodes longer than %d steps", path, horizon+tokens)
		}
		ep, err := ds.Episode(rng.IntN(ds.Len()))
		if err != nil {
			return nil, err
		}
		G, goal := ep.Infos["goal_return"], ep.Infos["goal"]
		if G.Len() == 0 || goal.Len() == 0 {
			return nil, fmt.Errorf("%s has no infos/goal_return and infos/goal: write it with simulate maze2d --goal-returns", path)
		}
		if ep.Len < horizon+tokens {
			continue
		}
		t := tokens - 1 + rng.IntN(ep.Len-horizon-tokens+1)
		var c context8
		o := ep.Observations
		for s := t - tokens + 1; s <= t; s++ {
			g := G.At(s)
			if !math.IsNaN(ret) {
				g = ret
			}
			c.toks = append(c.toks, [7]float64{o.At(4 * s), o.At(4*s + 1), o.At(4*s + 2), o.At(4*s + 3), g, goal.At(2 * s), goal.At(2*s + 1)})
		}
		for s := t; s < t+horizon; s++ {
			c.future = append(c.future, [2]float64{o.At(4 * s), o.At(4*s + 1)})
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// measure rolls the draft out from every context as the planner does (each predicted (s, G) joins the
// tokens with the context's goal) and returns the mean step of the rollouts and of the data, and the mean
// position errors after 1, 8, 32 and horizon-1 steps.
func measure(m *train.Model, cs []context8, horizon int) (step, truth float64, errAt [4]float64, err error) {
	at := [4]int{1, 8, 32, horizon - 1}
	steps := 0
	for _, c := range cs {
		toks := append([][7]float64(nil), c.toks...)
		pos := [][2]float64{{toks[tokens-1][0], toks[tokens-1][1]}}
		in := make([]float64, 0, 7*tokens)
		for len(pos) < horizon {
			in = in[:0]
			for _, tk := range toks[len(toks)-tokens:] {
				in = append(in, tk[:]...)
			}
			out, err := m.Predict(context.Background(), [][]float64{in})
			if err != nil {
				return 0, 0, errAt, err
			}
			g := toks[len(toks)-1]
			toks = append(toks, [7]float64{out[0][0], out[0][1], out[0][2], out[0][3], out[0][4], g[5], g[6]})
			pos = append(pos, [2]float64{out[0][0], out[0][1]})
		}
		for k := 1; k < horizon; k++ {
			step += math.Hypot(pos[k][0]-pos[k-1][0], pos[k][1]-pos[k-1][1])
			truth += math.Hypot(c.future[k][0]-c.future[k-1][0], c.future[k][1]-c.future[k-1][1])
			steps++
		}
		for i, k := range at {
			errAt[i] += math.Hypot(pos[k][0]-c.future[k][0], pos[k][1]-c.future[k][1]) / float64(len(cs))
		}
	}
	return step / float64(steps), truth / float64(steps), errAt, nil
}
