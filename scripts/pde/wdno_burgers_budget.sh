#!/usr/bin/env bash
# WDNO against physical-space diffusion on Burgers simulation at a multiple of the reduced budget
# (docs/benchmarks.md, "WDNO on Burgers simulation at three times the budget"): the data of
# scripts/pde/wdno_small.sh, the two simulation configurations with their step counts multiplied by FACTOR
# (the 30-minute runs are FACTOR 1: WDNO 4000 steps, the physical model 1200, which cost the same wall time),
# trained side by side on one core each, then evaluated on the 200 held-out test trajectories at the
# reference's 50 ancestral steps and at 10-20 NFE. Resumable: rerun after a kill.
# Usage: scripts/pde/wdno_burgers_budget.sh FACTOR [WORKDIR]   (default runs/wdno-burgers-xFACTOR)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
factor=${1:?usage: wdno_burgers_budget.sh FACTOR [WORKDIR]}
case $factor in '' | *[!0-9]*) echo "FACTOR must be a positive integer, got $factor" >&2; exit 2;; esac
[ "$factor" -ge 1 ] || { echo "FACTOR must be at least 1" >&2; exit 2; }
work=${2:-runs/wdno-burgers-x$factor}
mkdir -p "$work/burgers-small"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
for s in "train 8000 11" "val 200 23" "test 200 9431"; do
	set -- $s
	[ -e "burgers-small/$1.arrow" ] || ./trajdiff simulate burgers --preset wdno-small --dtype float64 --n "$2" --seed "$3" \
		--out "burgers-small/$1.arrow" --quiet
done
wdno=wdno-burgers-sim-x$factor
ddpm=ddpm-burgers-sim-x$factor
sed -e "s/^steps = 4000$/steps = $((4000 * factor))/" -e "s/^out = .*/out = \"$wdno\"/" \
	"$root/configs/wdno-burgers-small-sim.toml" > "$wdno.toml"
sed -e "s/^steps = 1200$/steps = $((1200 * factor))/" -e "s/^out = .*/out = \"$ddpm\"/" \
	"$root/configs/ddpm-burgers-small-sim.toml" > "$ddpm.toml"
GOMAXPROCS=1 ./trajdiff pde train --config "$wdno.toml" > "train-$wdno.log" 2>&1 &
w=$!
GOMAXPROCS=1 ./trajdiff pde train --config "$ddpm.toml" > "train-$ddpm.log" 2>&1 &
d=$!
wait "$w" || { echo "training $wdno failed: $work/train-$wdno.log" >&2; exit 1; }
wait "$d" || { echo "training $ddpm failed: $work/train-$ddpm.log" >&2; exit 1; }
for s in "ddpm 50" "ddpm 20" "ddim 10" "ddim 20"; do
	set -- $s
	./trajdiff pde evaluate --checkpoint "$wdno" --checkpoint "$ddpm" --data burgers-small/test.arrow \
		--solver "$1" --steps "$2" --out "burgers-sim-$1-$2.json"
done
