#!/usr/bin/env bash
# What Trajectory Diffuser's draft adds (docs/benchmarks.md "What Trajectory Diffuser's draft adds"). Every row
# keeps the replanning protocol of scripts/rl/td_v1_replan.sh and td_goal_replan.sh (each plan followed for 32
# steps, the return fixed at the target, 8 candidates chosen by the critic) and changes only where the
# refinement starts:
#   draft     the draft taken as the state at t 0.3, 5 steps (TD's refinement, the rows scored earlier);
#   renoised  the draft noised by the forward process to t 0.3 (--renoise), 5 steps (SDEdit on the draft);
#   half      the draft noised to t 0.6, 10 steps;
#   noise     the draft noised to the end of the process (t 0.9946, where alpha is 0.008), 10 steps: in effect
#             no draft, Decision Diffuser's sampler from noise with TD's candidates and critic;
#   single    as noise with one candidate, so the critic chooses nothing;
#   ddset     as single with Decision Diffuser's settings of the earlier rows (its solver, dpmpp-2m, its
#             return and guidance weight): TD's code path run as DD, a check against DD's row.
# The draft row repeats the earlier held-out row (same settings, seeds and models), a check of the rerun.
# v1: the D4RL-return models of scripts/rl/planners_umaze_small.sh (return 20); umaze, medium, large: the
# goal-conditioned Multi2D models of dd_goal_small.sh and td_goal_small.sh for that maze (return 45).
# Development seed 99 (5 episodes each) first, then all six on the held-out seed 20261204 (20 episodes),
# the same episodes as the earlier rows. WORKDIR holds ./trajdiff and the models.
# Usage: scripts/rl/td_draft_ablation.sh WORKDIR v1|umaze|medium|large
# (U-Maze: a few minutes on one core; Large: about 30)
set -euo pipefail
source "$(dirname "$0")/planrow.sh"
cd "$1"
task=${2:?usage: td_draft_ablation.sh WORKDIR v1|umaze|medium|large}
case $task in
v1) models=(--checkpoint dd-umaze-small --draft td-draft-umaze-small --critic td-critic-umaze-small --invdyn invdyn-umaze-small)
	ret=20 ddset=(--return 36 --guidance 1.2) ;;
umaze|medium|large) models=(--layout "$task" --multi --checkpoint "dd-$task-goal-small" --draft "td-draft-$task-goal-small"
	--critic "td-critic-$task-goal-small" --invdyn "invdyn-$task-small")
	ret=45 ddset=(--return 30 --guidance 3) ;;
*) echo "task must be v1, umaze, medium or large, got $task" >&2; exit 2 ;;
esac
td() { GOMAXPROCS=1 ./trajdiff plan evaluate --planner trajectory-diffuser "${models[@]}" --baselines=false \
	--candidates 8 --workers 1 --replan-every 32 --return "$ret" --fixed-return "$@" 2>/dev/null; }
start() {
	case $1 in
	draft) echo --refine-time 0.3 ;;
	renoised) echo --refine-time 0.3 --renoise ;;
	half) echo --refine-time 0.6 --refine-steps 10 --renoise ;;
	noise) echo --refine-time 0.9946 --refine-steps 10 --renoise ;;
	single) echo --refine-time 0.9946 --refine-steps 10 --renoise --candidates 1 ;;
	ddset) echo --refine-time 0.9946 --refine-steps 10 --renoise --candidates 1 --solver dpmpp-2m "${ddset[@]}" ;;
	esac
}
mkdir -p ablation
for seed in 99 20261204; do
	n=5; [ "$seed" = 99 ] || n=20
	for s in draft renoised half noise single ddset; do
		f="ablation/$task-$s-seed$seed.json"
		# shellcheck disable=SC2046 # start's words are flags
		[ -e "$f" ] || td --seed "$seed" --episodes "$n" $(start "$s") --out "$f" > /dev/null
		printf 'seed %-8s %-9s ' "$seed" "$s"; planrow "$f"
	done
done
