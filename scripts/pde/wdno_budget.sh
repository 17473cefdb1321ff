#!/usr/bin/env bash
# WDNO against physical-space diffusion at a multiple of the reduced budget (docs/benchmarks.md, "WDNO on
# Burgers simulation at three times the budget", "WDNO on Burgers control at three (six) times the budget",
# "WDNO on 1-D CNS at three times the budget", "WDNO on advection at three (six) times the budget" and
# "Guided DDIM at its own weight"): the data of scripts/pde/wdno_small.sh, the task's two configurations with
# their training steps multiplied by FACTOR (FACTOR 1 is the reduced pair of that script, which cost the same
# wall time: Burgers WDNO 4000 steps and the physical model 1200, CNS 11000 and 3200, advection 3000 and 800),
# trained side by side on one core each, then evaluated on the held-out test trajectories.
#   SYSTEM=burgers (default), cns or advection.
#   TASK=sim (default): the 200 test trajectories at the reference's 50 ancestral steps and at 10-20 NFE.
#   TASK=control (Burgers): each model's guidance weight picked on the first 50 validation trajectories (the
#   30-minute runs' grid with 3e4 and 4e5 added), then the 200 test trajectories with zero control, the dataset's control
#   and the adjoint optimum beside them, every control re-simulated, compared case by case (pde compare);
#   then both models at 10-20 NFE with their weights, and again with weights picked for each sampler on validation
#   (reports *-own.json).
#   FROM=DIR: a warm restart (train.init, docs/training.md): both models start from the finished models of DIR, an
#   earlier work directory of this script with the same SYSTEM and TASK, and train FACTOR times the reduced steps
#   more with a new schedule; the runs are named ...-xFACTOR-restart.
# Resumable: rerun after a kill (finished trainings and reports are kept).
# Usage: [SYSTEM=burgers|cns|advection] [TASK=sim|control] [FROM=DIR] scripts/pde/wdno_budget.sh FACTOR [WORKDIR]
#   (default WORKDIR: runs/wdno-burgers-xFACTOR for Burgers simulation, else runs/wdno-SYSTEM-TASK-xFACTOR; with
#   FROM, the same ending in -restart)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
factor=${1:?usage: [SYSTEM=burgers|cns|advection] [TASK=sim|control] wdno_budget.sh FACTOR [WORKDIR]}
system=${SYSTEM:-burgers}
task=${TASK:-sim}
case $factor in '' | *[!0-9]*) echo "FACTOR must be a positive integer, got $factor" >&2; exit 2;; esac
[ "$factor" -ge 1 ] || { echo "FACTOR must be at least 1" >&2; exit 2; }
from=${FROM:-}
suffix=
if [ -n "$from" ]; then
	from=$(cd "$from" && pwd) || { echo "FROM $FROM is not a directory" >&2; exit 2; }
	suffix=-restart
fi
case $system/$task in
burgers/sim) work=${2:-runs/wdno-burgers-x$factor$suffix} ;;
burgers/control | cns/sim | advection/sim) work=${2:-runs/wdno-$system-$task-x$factor$suffix} ;;
*) echo "SYSTEM/TASK must be burgers/sim, burgers/control, cns/sim or advection/sim, got $system/$task" >&2; exit 2 ;;
esac
data=$system-small
mkdir -p "$work/$data"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
for s in "train 8000 11" "val 200 23" "test 200 9431"; do
	set -- $s
	[ ! -e "$data/$1.arrow" ] || continue
	case $system in
	burgers) ./trajdiff simulate burgers --preset wdno-small --dtype float64 --n "$2" --seed "$3" --out "$data/$1.arrow" --quiet ;;
	cns) ./trajdiff simulate cns --cells 64 --frames 20 --t 1 --dtype float64 --n "$2" --seed "$3" --out "$data/$1.arrow" --quiet ;;
	advection) ./trajdiff simulate advection --cells 64 --frames 40 --t 2 --beta 1 --dtype float64 --n "$2" --seed "$3" \
		--out "$data/$1.arrow" --quiet ;;
	esac
done
# scaled CONFIG OUT [INIT]: the configuration with its [train] steps multiplied by FACTOR, its run named OUT and,
# given INIT, starting from that run.
scaled() {
	awk -v f="$factor" -v out="$2" -v init="${3:-}" '
		/^\[/ { train = ($0 == "[train]") }
		train && /^steps = [0-9]+$/ { $3 = $3 * f }
		/^out = / { $0 = "out = \"" out "\"" }
		$0 == "[train]" && init != "" { print; print "init = \"" init "\""; next }
		{ print }' "$1"
}
# finished MODEL: FROM's one run directory of MODEL (wdno-SYSTEM-TAG or ddpm-SYSTEM-TAG) at any factor.
finished() {
	local runs=()
	for d in "$from/$1"-x*/; do
		[ -d "$d" ] && runs+=("${d%/}")
	done
	[ ${#runs[@]} -eq 1 ] || { echo "FROM $from must hold one run $1-x*, found ${#runs[@]}" >&2; exit 2; }
	echo "${runs[0]}"
}
tag=$task
[ "$task" = control ] || tag=sim
wdno=wdno-$system-$tag-x$factor$suffix
ddpm=ddpm-$system-$tag-x$factor$suffix
initw= initd=
if [ -n "$from" ]; then
	initw=$(finished "wdno-$system-$tag")
	initd=$(finished "ddpm-$system-$tag")
fi
scaled "$root/configs/wdno-$system-small-$tag.toml" "$wdno" "$initw" > "$wdno.toml"
scaled "$root/configs/ddpm-$system-small-$tag.toml" "$ddpm" "$initd" > "$ddpm.toml"
GOMAXPROCS=1 ./trajdiff pde train --config "$wdno.toml" >> "train-$wdno.log" 2>&1 &
w=$!
GOMAXPROCS=1 ./trajdiff pde train --config "$ddpm.toml" >> "train-$ddpm.log" 2>&1 &
d=$!
wait "$w" || { echo "training $wdno failed: $work/train-$wdno.log" >&2; exit 1; }
wait "$d" || { echo "training $ddpm failed: $work/train-$ddpm.log" >&2; exit 1; }
if [ "$task" = sim ]; then
	for s in "ddpm 50" "ddpm 20" "ddim 10" "ddim 20"; do
		set -- $s
		./trajdiff pde evaluate --checkpoint "$wdno" --checkpoint "$ddpm" --data "$data/test.arrow" \
			--solver "$1" --steps "$2" --out "$system-sim-$1-$2.json"
	done
	exit 0
fi
# Control. evaluate [flags] OUT: one report, skipped when it exists (resumable).
evaluate() {
	local out=${*: -1}
	[ -e "$out" ] || GOMAXPROCS=1 ./trajdiff pde evaluate "${@:1:$#-1}" --out "$out.tmp" > /dev/null
	[ -e "$out" ] || mv "$out.tmp" "$out"
}
weights="0 1e2 1e3 1e4 3e4 1.2e5 4e5"
# sweep MODEL [SOLVER STEPS]: MODEL at every weight on the first 50 validation cases (reports val-MODEL[-SOLVER-STEPS]-W.json).
sweep() {
	local m=$1 tag="" flags=()
	[ $# -lt 3 ] || { tag="-$2-$3"; flags=(--solver "$2" --steps "$3"); }
	for g in $weights; do
		evaluate --checkpoint "$m" --data burgers-small/val.arrow --limit 50 --baseline "" --guidance "$g" "${flags[@]}" \
			"val-$m$tag-$g.json"
	done
}
sweep "$wdno" &
sweep "$ddpm" &
wait
# pick MODEL [SAMPLER]: the weight with the lowest mean J on validation (SAMPLER: "-ddim-20" and the like; none:
# the default 50 ancestral steps).
pick() {
	for g in $weights; do printf '%s %s\n' "$(jq '.summary[0].j' "val-$1${2:-}-$g.json")" "$g"; done | sort -g | head -n 1 | cut -d' ' -f2
}
gw=$(pick "$wdno")
gd=$(pick "$ddpm")
echo "guidance weights picked on validation: $wdno $gw, $ddpm $gd"
evaluate --checkpoint "$wdno" --data burgers-small/test.arrow --guidance "$gw" --baseline zero,dataset,adjoint \
	burgers-control-test-wdno.json &
evaluate --checkpoint "$ddpm" --data burgers-small/test.arrow --guidance "$gd" --baseline "" burgers-control-test-ddpm.json &
wait
# Per test case: both models against the three baselines.
./trajdiff pde compare --out burgers-control-compare.json burgers-control-test-wdno.json burgers-control-test-ddpm.json
# Fewer network evaluations, each model with its weight, the two side by side.
for s in "ddpm 20" "ddim 20" "ddim 10"; do
	set -- $s
	for m in "$wdno" "$ddpm"; do
		g=$gw
		[ "$m" = "$wdno" ] || g=$gd
		evaluate --checkpoint "$m" --data burgers-small/test.arrow --guidance "$g" --baseline "" --solver "$1" --steps "$2" \
			"burgers-control-test-$m-$1-$2.json" &
	done
	wait
done
# The same samplers, each model's weight picked again on validation for each sampler (deterministic DDIM adds no
# fresh noise to wash out a guidance step's error, so its best weight need not be the ancestral one).
for s in "ddpm 20" "ddim 20" "ddim 10"; do
	set -- $s
	sweep "$wdno" "$1" "$2" &
	sweep "$ddpm" "$1" "$2" &
	wait
	gw=$(pick "$wdno" "-$1-$2")
	gd=$(pick "$ddpm" "-$1-$2")
	echo "$1 $2: guidance weights picked on validation: $wdno $gw, $ddpm $gd"
	evaluate --checkpoint "$wdno" --data burgers-small/test.arrow --guidance "$gw" --baseline "" --solver "$1" --steps "$2" \
		"burgers-control-test-$wdno-$1-$2-own.json" &
	evaluate --checkpoint "$ddpm" --data burgers-small/test.arrow --guidance "$gd" --baseline "" --solver "$1" --steps "$2" \
		"burgers-control-test-$ddpm-$1-$2-own.json" &
	wait
done
