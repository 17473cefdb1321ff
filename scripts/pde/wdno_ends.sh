#!/usr/bin/env bash
# WDNO with every x0 prediction projected onto the trajectories that start at u0 (and, in control, end at
# u*) (`pde evaluate --project-ends PROJECT`; docs/benchmarks.md, "WDNO with its given ends projected"): the
# WDNO model of a finished `scripts/pde/wdno_budget.sh FACTOR WORKDIR` run, evaluated again without retraining.
#   PROJECT=frames (default: the end frames alone are corrected) or orthogonal (the smallest change of the
#   image); reports are named ...-ends-... and ...-ends-orthogonal-....
#   TASK=control (Burgers): the guidance weight picked on the same 50 validation cases over the same grid,
#   then the 200 test cases scored, compared case by case with that run's reports (the unprojected WDNO,
#   the physical-space model and the three baselines), and sampled at 10-20 NFE.
#   TASK=sim (default; SYSTEM=burgers, cns or advection): the 200 test trajectories at the four samplers of
#   that run, each next to its unprojected MSE.
# Resumable: rerun after a kill (finished reports are kept).
# Usage: [SYSTEM=burgers|cns|advection] [TASK=sim|control] [PROJECT=frames|orthogonal] scripts/pde/wdno_ends.sh FACTOR WORKDIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
factor=${1:?usage: [SYSTEM=...] [TASK=sim|control] wdno_ends.sh FACTOR WORKDIR}
work=${2:?usage: [SYSTEM=...] [TASK=sim|control] wdno_ends.sh FACTOR WORKDIR}
system=${SYSTEM:-burgers}
task=${TASK:-sim}
project=${PROJECT:-frames}
case $project in
frames) tag=ends ;;
orthogonal) tag=ends-orthogonal ;;
*) echo "PROJECT must be frames or orthogonal, got $project" >&2; exit 2 ;;
esac
cd "$work"
if [ "$task" = sim ]; then
	wdno=wdno-$system-sim-x$factor
	[ -e "$wdno/latest" ] && [ -e "$system-small/test.arrow" ] ||
		{ echo "$work has no finished $wdno run: run SYSTEM=$system scripts/pde/wdno_budget.sh $factor $work first" >&2; exit 1; }
	go build -C "$root" -o "$PWD/trajdiff-ends" ./cmd/trajdiff
	for s in "ddpm 50" "ddpm 20" "ddim 10" "ddim 20"; do
		set -- $s
		out=$system-sim-$tag-$1-$2.json
		[ -e "$out" ] || ./trajdiff-ends pde evaluate --project-ends "$project" --checkpoint "$wdno" --data "$system-small/test.arrow" \
			--solver "$1" --steps "$2" --out "$out.tmp" > /dev/null
		[ -e "$out" ] || mv "$out.tmp" "$out"
		printf '%s %s: MSE %s (unprojected %s)\n' "$1" "$2" "$(jq '.summary[0].mse' "$out")" "$(jq '.summary[0].mse' "$system-sim-$1-$2.json")"
	done
	exit 0
fi
[ "$system/$task" = burgers/control ] || { echo "SYSTEM/TASK must be burgers/control or a system's sim, got $system/$task" >&2; exit 2; }
wdno=wdno-burgers-control-x$factor
for need in "$wdno/latest" burgers-small/val.arrow burgers-small/test.arrow burgers-control-test-wdno.json burgers-control-test-ddpm.json; do
	[ -e "$need" ] || { echo "$work/$need is missing: run TASK=control scripts/pde/wdno_budget.sh $factor $work first" >&2; exit 1; }
done
go build -C "$root" -o "$PWD/trajdiff-ends" ./cmd/trajdiff
# evaluate [flags] OUT: one report, skipped when it exists.
evaluate() {
	local out=${*: -1}
	[ -e "$out" ] || GOMAXPROCS=1 ./trajdiff-ends pde evaluate --project-ends "$project" "${@:1:$#-1}" --out "$out.tmp" > /dev/null
	[ -e "$out" ] || mv "$out.tmp" "$out"
}
# With the ends projected, u(T) = u* in every x0, so the guiding gradient is the control energy's alone.
weights="0 1e2 1e3 1e4 3e4 1.2e5 4e5"
half=0
for g in $weights; do
	evaluate --checkpoint "$wdno" --data burgers-small/val.arrow --limit 50 --baseline "" --guidance "$g" "val-$tag-$wdno-$g.json" &
	half=$((half + 1))
	[ $((half % 2)) -ne 0 ] || wait
done
wait
gw=$(for g in $weights; do printf '%s %s\n' "$(jq '.summary[0].j' "val-$tag-$wdno-$g.json")" "$g"; done | sort -g | head -n 1 | cut -d' ' -f2)
echo "guidance weight picked on validation with the ends projected ($project): $gw"
evaluate --checkpoint "$wdno" --data burgers-small/test.arrow --guidance "$gw" --baseline "" burgers-control-test-wdno-$tag.json
./trajdiff-ends pde compare --out burgers-control-compare-$tag.json \
	burgers-control-test-wdno-$tag.json burgers-control-test-wdno.json burgers-control-test-ddpm.json
for s in "ddpm 20" "ddim 20" "ddim 10"; do
	set -- $s
	evaluate --checkpoint "$wdno" --data burgers-small/test.arrow --guidance "$gw" --baseline "" --solver "$1" --steps "$2" \
		"burgers-control-test-$wdno-$tag-$1-$2.json" &
done
wait
for s in "ddpm 20" "ddim 20" "ddim 10"; do
	set -- $s
	printf '%s %s: J %s (unprojected %s)\n' "$1" "$2" "$(jq '.summary[0].j' "burgers-control-test-$wdno-$tag-$1-$2.json")" \
		"$(jq '.summary[0].j' "burgers-control-test-$wdno-$1-$2.json")"
done
