#!/usr/bin/env bash
# Trajectory Diffuser on Multi2D Large over 50 held-out episodes, and its variations (docs/benchmarks.md
# "Trajectory Diffuser on Multi2D Large" and "Large variations"): TD and DD replanning every 32 steps with the
# 64-step models, then a draft trained with seed 2, a draft trained to its configuration's 100,000 steps, and
# TD's paper's 128-step window (the DD state model with horizon 128; draft, critic and inverse dynamics
# unchanged), each scored on the same 50 episodes, with DD on the 128-step model beside it; then TD's own
# refinement settings.
# WORKDIR holds ./trajdiff and the models of scripts/rl/dd_goal_small.sh large and td_goal_small.sh large
# (their .toml files included). Resumable: finished trainings and evaluations are skipped.
# Usage: scripts/rl/td_large_variations.sh WORKDIR   (about 45 minutes on one core)
set -euo pipefail
source "$(dirname "$0")/planrow.sh"
cd "$1"
td() { # td DRAFT STATE-MODEL OUT [FLAGS]: 8 candidates from t 0.3 unless FLAGS say otherwise
	out=$3; draft=$1; model=$2; shift 3
	[ -e "$out" ] || GOMAXPROCS=1 ./trajdiff plan evaluate --layout large --planner trajectory-diffuser --multi --checkpoint "$model" \
		--draft "$draft" --critic td-critic-large-goal-small --invdyn invdyn-large-small --candidates 8 --refine-time 0.3 \
		--workers 1 --seed 20261204 --episodes 50 --replan-every 32 --return 45 --fixed-return "$@" --out "$out" > /dev/null 2>&1
}
dd() { # dd STATE-MODEL OUT
	[ -e "$2" ] || GOMAXPROCS=1 ./trajdiff plan evaluate --layout large --planner decision-diffuser --multi --checkpoint "$1" \
		--invdyn invdyn-large-small --seed 20261204 --steps 10 --return 30 --guidance 3 --baselines=false --episodes 50 \
		--replan-every 32 --workers 1 --out "$2" > /dev/null 2>&1
}
train() { GOMAXPROCS=1 ./trajdiff train --config "$1" > "${1%.toml}.log" 2>&1; }
td td-draft-large-goal-small dd-large-goal-small heldout50-td-chosen.json
dd dd-large-goal-small heldout50-dd-every32.json
sed -e 's/^out = "td-draft-large-goal-small"/out = "td-draft-large-goal-seed2"/; s/^seed = 1$/seed = 2/' \
	td-draft-large-goal-small.toml > td-draft-large-goal-seed2.toml
sed -e 's/^out = "td-draft-large-goal-small"/out = "td-draft-large-goal-100k"/; s/^steps = 40000$/steps = 100000/' \
	td-draft-large-goal-small.toml > td-draft-large-goal-100k.toml
sed -e 's/^horizon = 64/horizon = 128/; s/^out = .*/out = "dd-large-goal-h128"/' dd-large-goal-small.toml > dd-large-goal-h128.toml
for c in td-draft-large-goal-seed2 td-draft-large-goal-100k dd-large-goal-h128; do train "$c.toml"; done
td td-draft-large-goal-seed2 dd-large-goal-small heldout50-td-seed2.json
td td-draft-large-goal-100k dd-large-goal-small heldout50-td-100k.json
td td-draft-large-goal-small dd-large-goal-h128 heldout50-td-h128.json
dd dd-large-goal-h128 heldout50-dd-h128.json
# TD's own refinement settings (the planner's defaults: 32 candidates from t 0.04), and 32 candidates from t 0.3.
td td-draft-large-goal-small dd-large-goal-small heldout50-td-own.json --candidates 32 --refine-time 0.04
td td-draft-large-goal-small dd-large-goal-small heldout50-td-c32.json --candidates 32
for f in heldout50-td-chosen heldout50-dd-every32 heldout50-td-seed2 heldout50-td-100k heldout50-td-h128 heldout50-dd-h128 \
	heldout50-td-own heldout50-td-c32; do
	printf '%-24s ' "$f"; planrow "$f.json"
done
