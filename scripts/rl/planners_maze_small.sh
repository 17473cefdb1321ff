#!/usr/bin/env bash
# Decision Diffuser and Trajectory Diffuser on maze2d Medium or Large with the reduced U-Maze recipe
# (docs/benchmarks.md "Decision Diffuser and Trajectory Diffuser on Medium and Large"): the four U-Maze
# configurations with only the data and run names changed, then the held-out closed-loop evaluations with the
# settings frozen on U-Maze's development seed (return 36, replanning every 32 steps; RTI warm starts; TD's 8
# candidates from t 0.3 at return 10). The returns scale carries over: the discounted return-to-go of every
# maze's data ranges over [0, 35.74] (the agent rests at the goal for the same segment length).
# Usage: scripts/rl/planners_maze_small.sh medium|large [WORKDIR]   (resumable: rerun after a kill)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
maze=${1:?usage: planners_maze_small.sh medium|large [WORKDIR]}
case $maze in medium|large) ;; *) echo "maze must be medium or large, got $maze" >&2; exit 2;; esac
work=${2:-runs/planners-$maze-small-work}
mkdir -p "$work"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
[ -e "$maze.arrow" ] || ./trajdiff simulate maze2d --layout "$maze" --segments goal --out "$maze.arrow" --quiet
for c in dd invdyn td-draft td-critic; do
	sed -e "s/umaze/$maze/g" "$root/configs/$c-umaze-small.toml" > "$c-$maze-small.toml"
done
sed -i 's/^steps = 100000$/steps = 40000/' "td-draft-$maze-small.toml"   # as on U-Maze: 40k of the configured 100k steps
for c in dd invdyn td-draft td-critic; do
	GOMAXPROCS=1 nice ./trajdiff train --config "$c-$maze-small.toml"
done
seed=${SEED:-20261204}
dd() { echo "### decision-diffuser $*"; GOMAXPROCS=1 nice ./trajdiff plan evaluate --layout "$maze" --planner decision-diffuser \
	--checkpoint "dd-$maze-small" --invdyn "invdyn-$maze-small" --seed "$seed" --steps 10 "$@" 2>/dev/null; }
dd --episodes 50 --replan-every 32 --out dd-every32.json
dd --episodes 50 --warm-time 0.1 --warm-steps 2 --baselines=false --out dd-rti.json
td() { echo "### trajectory-diffuser $*"; GOMAXPROCS=1 nice ./trajdiff plan evaluate --layout "$maze" --planner trajectory-diffuser \
	--checkpoint "dd-$maze-small" --draft "td-draft-$maze-small" --critic "td-critic-$maze-small" --invdyn "invdyn-$maze-small" \
	--seed "$seed" --baselines=false "$@" 2>/dev/null; }
td --episodes 20 --candidates 8 --return 10 --refine-time 0.3 --out td.json
