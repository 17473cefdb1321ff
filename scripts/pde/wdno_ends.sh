#!/usr/bin/env bash
# WDNO control with every x0 prediction projected onto the trajectories that start at u0 and end at u*
# (`pde evaluate --project-ends`; docs/benchmarks.md, "WDNO on Burgers control with its ends projected"):
# the WDNO model of a finished `TASK=control scripts/pde/wdno_budget.sh FACTOR WORKDIR` run, evaluated again
# without retraining. Its guidance weight is picked on the same 50 validation cases over the same grid, then
# the 200 test cases are scored, compared case by case with that run's reports (the unprojected WDNO, the
# physical-space model and the three baselines), and sampled at 10-20 NFE.
# Resumable: rerun after a kill (finished reports are kept).
# Usage: scripts/pde/wdno_ends.sh FACTOR WORKDIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
factor=${1:?usage: wdno_ends.sh FACTOR WORKDIR}
work=${2:?usage: wdno_ends.sh FACTOR WORKDIR}
cd "$work"
wdno=wdno-burgers-control-x$factor
for need in "$wdno/latest" burgers-small/val.arrow burgers-small/test.arrow burgers-control-test-wdno.json burgers-control-test-ddpm.json; do
	[ -e "$need" ] || { echo "$work/$need is missing: run TASK=control scripts/pde/wdno_budget.sh $factor $work first" >&2; exit 1; }
done
go build -C "$root" -o "$PWD/trajdiff-ends" ./cmd/trajdiff
# evaluate [flags] OUT: one report, skipped when it exists.
evaluate() {
	local out=${*: -1}
	[ -e "$out" ] || GOMAXPROCS=1 ./trajdiff-ends pde evaluate --project-ends "${@:1:$#-1}" --out "$out.tmp" > /dev/null
	[ -e "$out" ] || mv "$out.tmp" "$out"
}
# With the ends projected, u(T) = u* in every x0, so the guiding gradient is the control energy's alone.
weights="0 1e2 1e3 1e4 3e4 1.2e5 4e5"
half=0
for g in $weights; do
	evaluate --checkpoint "$wdno" --data burgers-small/val.arrow --limit 50 --baseline "" --guidance "$g" "val-ends-$wdno-$g.json" &
	half=$((half + 1))
	[ $((half % 2)) -ne 0 ] || wait
done
wait
gw=$(for g in $weights; do printf '%s %s\n' "$(jq '.summary[0].j' "val-ends-$wdno-$g.json")" "$g"; done | sort -g | head -n 1 | cut -d' ' -f2)
echo "guidance weight picked on validation with the ends projected: $gw"
evaluate --checkpoint "$wdno" --data burgers-small/test.arrow --guidance "$gw" --baseline "" burgers-control-test-wdno-ends.json
./trajdiff-ends pde compare --out burgers-control-compare-ends.json \
	burgers-control-test-wdno-ends.json burgers-control-test-wdno.json burgers-control-test-ddpm.json
for s in "ddpm 20" "ddim 20" "ddim 10"; do
	set -- $s
	evaluate --checkpoint "$wdno" --data burgers-small/test.arrow --guidance "$gw" --baseline "" --solver "$1" --steps "$2" \
		"burgers-control-test-$wdno-ends-$1-$2.json" &
done
wait
for s in "ddpm 20" "ddim 20" "ddim 10"; do
	set -- $s
	printf '%s %s: J %s (unprojected %s)\n' "$1" "$2" "$(jq '.summary[0].j' "burgers-control-test-$wdno-ends-$1-$2.json")" \
		"$(jq '.summary[0].j' "burgers-control-test-$wdno-$1-$2.json")"
done
