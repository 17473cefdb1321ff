#!/usr/bin/env bash
# Goal-conditioned Decision Diffuser on maze2d (docs/benchmarks.md "Decision Diffuser on Multi2D: goal-relative
# returns"): data with goal-relative returns, the state model of configs/dd-umaze-goal-small.toml and the inverse
# dynamics of configs/invdyn-umaze-small.toml with only the data and run names changed for Medium and Large,
# then the held-out closed-loop evaluations on Multi2D and v1 with the settings frozen on U-Maze's development
# seed 99 (return 30, guidance 3, replanning every 32 steps; RTI warm starts).
# Usage: scripts/rl/dd_goal_small.sh umaze|medium|large [WORKDIR]   (resumable: rerun after a kill)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
maze=${1:?usage: dd_goal_small.sh umaze|medium|large [WORKDIR]}
case $maze in umaze|medium|large) ;; *) echo "maze must be umaze, medium or large, got $maze" >&2; exit 2;; esac
work=${2:-runs/dd-goal-$maze-small-work}
mkdir -p "$work"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
[ -e "$maze-goal.arrow" ] || ./trajdiff simulate maze2d --layout "$maze" --segments goal --goal-returns --out "$maze-goal.arrow" --quiet
sed -e "s/umaze/$maze/g" "$root/configs/dd-umaze-goal-small.toml" > "dd-$maze-goal-small.toml"
sed -e "s/umaze/$maze/g; s/\"$maze.arrow\"/\"$maze-goal.arrow\"/" "$root/configs/invdyn-umaze-small.toml" > "invdyn-$maze-small.toml"
for c in "dd-$maze-goal-small" "invdyn-$maze-small"; do
	GOMAXPROCS=1 nice ./trajdiff train --config "$c.toml"
done
seed=${SEED:-20261204}
dd() { echo "### decision-diffuser $*"; GOMAXPROCS=1 nice ./trajdiff plan evaluate --layout "$maze" --planner decision-diffuser \
	--checkpoint "dd-$maze-goal-small" --invdyn "invdyn-$maze-small" --seed "$seed" --steps 10 --return 30 --guidance 3 --workers 1 "$@" 2>/dev/null; }
dd --multi --episodes 50 --replan-every 32 --out multi-every32.json
dd --multi --episodes 50 --warm-time 0.1 --warm-steps 2 --baselines=false --out multi-rti.json
dd --episodes 50 --replan-every 32 --out v1-every32.json
