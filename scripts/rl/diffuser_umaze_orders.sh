#!/usr/bin/env bash
# Searched step orders on a Diffuser maze2d checkpoint (docs/benchmarks.md, "Searched step orders (issue 17,
# S^3)"): UniPC-3 at 5 NFE, a schedule search of the grid only and one of the grid with the step orders, on the
# planner's own sampling problem (16 calibration windows of seed 7, 16 check windows of seed 8, reference
# tolerance 1e-4, 100 optimiser evaluations), then closed-loop plan evaluate (100 episodes, three seeds) with
# the process's default schedule and both files.
# Usage: scripts/rl/diffuser_umaze_orders.sh CHECKPOINT [WORKDIR]   (default runs/umaze-orders)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ckpt=$1
work=${2:-runs/umaze-orders}
mkdir -p "$work"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
s=${SOLVER:-unipc-3}
nfe=${NFE:-5}
for mode in grid orders; do
	flag=default
	[ "$mode" = orders ] && flag=search
	f=umaze-$s-$nfe-$mode.json
	[ -e "$f" ] || /usr/bin/time -f "%e s" ./trajdiff schedule search --checkpoint "$ckpt" --solver "$s" --nfe "$nfe" --orders $flag --points 16 \
		--ref-tol 1e-4 --max-evals 100 --seed 7 --out "$f" > "search-$mode.txt" 2> "search-$mode.err"
	echo "### search $s $nfe NFE, $mode: $(grep -E 'searched:|check batch|step orders' "search-$mode.txt" | tr '\n' ' ') ($(tail -1 "search-$mode.err"))"
done
for seed in 20261204 77 3; do
	for sch in default umaze-$s-$nfe-grid.json umaze-$s-$nfe-orders.json; do
		arg=()
		[ "$sch" = default ] || arg=(--schedule "$sch")
		echo "### plan evaluate $s $nfe NFE, schedule $sch, seed $seed"
		./trajdiff plan evaluate --checkpoint "$ckpt" --episodes 100 --seed $seed --solver "$s" --steps "$nfe" "${arg[@]}" --baselines=false 2>/dev/null | grep -E '^diffuser '
	done
done
