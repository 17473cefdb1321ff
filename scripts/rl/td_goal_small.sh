#!/usr/bin/env bash
# Goal-conditioned Trajectory Diffuser on maze2d U-Maze, Medium or Large (docs/benchmarks.md "Trajectory Diffuser on
# Multi2D Medium and Large" and "Trajectory Diffuser on all three mazes with the bounded return-to-go"): the draft and critic of configs/td-draft-umaze-goal-small.toml and
# configs/td-critic-umaze-goal-small.toml with only the data and run names changed, refined by the
# goal-conditioned Decision Diffuser state model that scripts/rl/dd_goal_small.sh trained in the same WORKDIR,
# then the held-out closed-loop evaluation on Multi2D with the settings frozen on U-Maze's development seed 99
# (return 45, refinement from t 0.3, guidance 1.1, 8 candidates, a decision every step; 20 episodes).
# Usage: scripts/rl/td_goal_small.sh umaze|medium|large [WORKDIR]   (run dd_goal_small.sh first; resumable)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
maze=${1:?usage: td_goal_small.sh umaze|medium|large [WORKDIR]}
case $maze in umaze|medium|large) ;; *) echo "maze must be umaze, medium or large, got $maze" >&2; exit 2;; esac
work=${2:-runs/dd-goal-$maze-small-work}
cd "$work"
for f in "$maze-goal.arrow" "dd-$maze-goal-small" "invdyn-$maze-small"; do
	[ -e "$f" ] || { echo "$work/$f is missing: run scripts/rl/dd_goal_small.sh $maze $work first" >&2; exit 2; }
done
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
for c in td-draft td-critic; do   # on U-Maze the configurations themselves
	sed -e "s/umaze/$maze/g" "$root/configs/$c-umaze-goal-small.toml" > "$c-$maze-goal-small.toml"
done
sed -i 's/^steps = 100000$/steps = 40000/' "td-draft-$maze-goal-small.toml"   # as on U-Maze: 40k of the configured 100k steps
for c in td-critic td-draft; do
	GOMAXPROCS=1 nice ./trajdiff train --config "$c-$maze-goal-small.toml"
done
GOMAXPROCS=1 nice ./trajdiff plan evaluate --layout "$maze" --planner trajectory-diffuser --multi \
	--checkpoint "dd-$maze-goal-small" --draft "td-draft-$maze-goal-small" --critic "td-critic-$maze-goal-small" \
	--invdyn "invdyn-$maze-small" --seed "${SEED:-20261204}" --episodes 20 --candidates 8 --return 45 --refine-time 0.3 \
	--workers 1 --out multi-td.json 2>/dev/null
