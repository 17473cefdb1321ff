#!/usr/bin/env bash
# Goal-conditioned Trajectory Diffuser on Multi2D U-Maze following each plan for several steps (--replan-every) and
# with the goal-relative return fixed at the target (--fixed-return), as in docs/benchmarks.md "Trajectory
# Diffuser on Multi2D U-Maze: committing to a plan and a fixed return". WORKDIR holds ./trajdiff and the models
# of scripts/rl/dd_goal_small.sh umaze and td_goal_small.sh umaze. Settings are chosen on development seed 99
# (5 episodes each), the best is scored on the held-out seed 20261204 (20 episodes) next to the earlier protocol
# (a decision every step, return 45) and Decision Diffuser replanning every 32 steps, on the same episodes.
# On Medium or Large (models of dd_goal_small.sh and td_goal_small.sh for that maze) the development sweep is
# skipped and the U-Maze choice (every 32 steps, return 45 fixed) is scored, as the earlier Medium rows were.
# Usage: scripts/rl/td_goal_replan.sh WORKDIR [umaze|medium|large]   (U-Maze: about 30 minutes on one core)
set -euo pipefail
source "$(dirname "$0")/planrow.sh"
cd "$1"
maze=${2:-umaze}
case $maze in umaze|medium|large) ;; *) echo "maze must be umaze, medium or large, got $maze" >&2; exit 2;; esac
td() { GOMAXPROCS=1 ./trajdiff plan evaluate --layout "$maze" --planner trajectory-diffuser --multi --checkpoint "dd-$maze-goal-small" \
	--draft "td-draft-$maze-goal-small" --critic "td-critic-$maze-goal-small" --invdyn "invdyn-$maze-small" --baselines=false \
	--candidates 8 --refine-time 0.3 --workers 1 "$@" 2>/dev/null; }
run() { out=$1; shift; [ -e "$out" ] || "$@" --out "$out" > /dev/null 2> "${out%.json}.log"; printf '%-28s ' "$out"; planrow "$out"; }
dd() { env GOMAXPROCS=1 ./trajdiff plan evaluate --layout "$maze" --planner decision-diffuser --multi --checkpoint "dd-$maze-goal-small" \
	--invdyn "invdyn-$maze-small" --seed 20261204 --steps 10 --return 30 --guidance 3 --baselines=false --episodes 20 --replan-every 32 --workers 1 "$@"; }
if [ "$maze" != umaze ]; then
	run heldout-td-chosen.json td --seed 20261204 --episodes 20 --replan-every 32 --return 45 --fixed-return
	run heldout-td-every1.json td --seed 20261204 --episodes 20 --replan-every 1 --return 45
	run heldout-dd-every32.json dd
	exit 0
fi
mkdir -p dev
for s in "1 45 dt" "1 45 fixed" "32 30 dt" "32 45 dt" "32 30 fixed" "32 45 fixed" "8 45 fixed"; do
	set -- $s
	f="dev/$3-every$1-return$2.json"
	extra=(); [ "$3" = fixed ] && extra=(--fixed-return)
	[ -e "$f" ] || td --seed 99 --episodes 5 --replan-every "$1" --return "$2" "${extra[@]}" --out "$f" > /dev/null
	printf 'dev  %-5s every %2d  return %2d  ' "$3" "$1" "$2"; planrow "$f"
done
best=$(for f in dev/*.json; do jq -r --arg f "$f" '"\(.summary[0].score_mean) \($f)"' "$f"; done | sort -g | tail -1 | cut -d' ' -f2)
every=$(jq -r .planner.replan_every "$best"); ret=$(jq -r .planner.return "$best"); fixed=$(jq -r '.planner.fixed_return // false' "$best")
echo "chosen on seed 99: every $every, return $ret, fixed $fixed"
extra=(); [ "$fixed" = true ] && extra=(--fixed-return)
run heldout-td-chosen.json td --seed 20261204 --episodes 20 --replan-every "$every" --return "$ret" "${extra[@]}"
run heldout-td-every1.json td --seed 20261204 --episodes 20 --replan-every 1 --return 45
run heldout-dd-every32.json dd
# The two changes apart: the return fixed, a decision every step.
run heldout-td-fixed-every1.json td --seed 20261204 --episodes 20 --replan-every 1 --return 45 --fixed-return
