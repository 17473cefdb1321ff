#!/usr/bin/env bash
# Trajectory Diffuser on maze2d-umaze-v1 (the D4RL-return models of scripts/rl/planners_umaze_small.sh) with a
# chosen plan followed for several steps (--replan-every), as in docs/benchmarks.md "Trajectory Diffuser on
# maze2d-umaze-v1: committing to a plan". Settings are chosen on development seed 99 (5 episodes each), then the
# best is scored on the held-out seed 20261204 (20 episodes) next to TD's every-step protocol; then the same with
# the return fixed at the target (--fixed-return, Decision Diffuser's conditioning) instead of Decision
# Transformer's bookkeeping, which empties the return-to-go at the goal.
# Usage: scripts/rl/td_v1_replan.sh WORKDIR   (WORKDIR holds the four trained models and ./trajdiff)
# Each evaluation runs on one core; the sweep takes about 15 minutes, the held-out rows about 15.
set -euo pipefail
cd "$1"
td() { GOMAXPROCS=1 ./trajdiff plan evaluate --planner trajectory-diffuser --checkpoint dd-umaze-small \
	--draft td-draft-umaze-small --critic td-critic-umaze-small --invdyn invdyn-umaze-small --baselines=false \
	--candidates 8 --refine-time 0.3 --workers 1 "$@" 2>/dev/null; }
mkdir -p dev
for every in 1 8 32; do
	for ret in 10 20 36; do
		[ -e "dev/every$every-return$ret.json" ] || td --seed 99 --episodes 5 --replan-every "$every" --return "$ret" --out "dev/every$every-return$ret.json" > /dev/null
		printf 'dev  every %2d  return %2d  ' "$every" "$ret"
		jq -r '.summary[0] | "score \(.score_mean*10|round/10) ± \(.score_se*10|round/10)  success \(.success_rate)"' "dev/every$every-return$ret.json"
	done
done
# The held-out rows: the best development setting (highest mean score), TD's every-step protocol at the
# return chosen for it earlier (10), and Decision Diffuser replanning every 32 steps, on the same episodes.
best=$(for f in dev/*.json; do jq -r --arg f "$f" '"\(.summary[0].score_mean) \($f)"' "$f"; done | sort -g | tail -1 | cut -d' ' -f2)
every=$(jq -r .planner.replan_every "$best"); ret=$(jq -r .planner.return "$best")
echo "chosen on seed 99: every $every, return $ret"
run() { out=$1; shift; [ -e "$out" ] || "$@" --out "$out" > /dev/null 2> "${out%.json}.log"
	printf '%-28s ' "$out"
	jq -r '.summary[0] | "score \(.score_mean*10|round/10) ± \(.score_se*10|round/10)  success \(.success_rate)  plan median \(.plan_median_seconds*1000|round) ms  nfe/step \(.nfe_per_step)"' "$out"; }
run heldout-td-chosen.json td --seed 20261204 --episodes 20 --replan-every "$every" --return "$ret"
run heldout-td-every1.json td --seed 20261204 --episodes 20 --replan-every 1 --return 10
run heldout-dd-every32.json env GOMAXPROCS=1 ./trajdiff plan evaluate --planner decision-diffuser --checkpoint dd-umaze-small \
	--invdyn invdyn-umaze-small --seed 20261204 --steps 10 --baselines=false --episodes 20 --replan-every 32 --workers 1
# The return fixed at the target: development seed 99, then the best setting held out.
for s in "32 20" "32 36" "8 20" "32 15" "32 25" "1 20"; do
	set -- $s
	[ -e "dev/fixed-every$1-return$2.json" ] || td --seed 99 --episodes 5 --replan-every "$1" --return "$2" --fixed-return --out "dev/fixed-every$1-return$2.json" > /dev/null
	printf 'dev  fixed  every %2d  return %2d  ' "$1" "$2"
	jq -r '.summary[0] | "score \(.score_mean*10|round/10) ± \(.score_se*10|round/10)  success \(.success_rate)"' "dev/fixed-every$1-return$2.json"
done
best=$(for f in dev/fixed-*.json; do jq -r --arg f "$f" '"\(.summary[0].score_mean) \($f)"' "$f"; done | sort -g | tail -1 | cut -d' ' -f2)
every=$(jq -r .planner.replan_every "$best"); ret=$(jq -r .planner.return "$best")
echo "chosen on seed 99 with the return fixed: every $every, return $ret"
run heldout-td-fixed.json td --seed 20261204 --episodes 20 --replan-every "$every" --return "$ret" --fixed-return
