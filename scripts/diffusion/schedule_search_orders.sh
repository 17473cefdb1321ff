#!/usr/bin/env bash
# Searched step orders (docs/benchmarks.md, "Searched step orders (issue 17, S^3)"): on the sampler benchmark's
# 64-D mixture, for each multistep solver and NFE budget, a schedule search of the grid only and one of the
# grid with the step orders (--orders search), both from calibration seed 7 (512 points to fit, 512 of the
# same stream to select), then bench samplers on held-out noise (seed 1 with the bench's 256 points; seeds 1
# and 2 with 2048 points), next to the fixed solvers on karras and logsnr and DDIM at 100 NFE, all in this run.
# Usage: scripts/diffusion/schedule_search_orders.sh [WORKDIR]   (default runs/schedule-orders)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-runs/schedule-orders}
mkdir -p "$work"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
# SOLVERS, NFES and FIXED (0: skip the fixed solvers' benches) split the work between parallel runs.
solvers=${SOLVERS:-"unipc-3 dpmpp-3m unipc-2 ipndm"}
bench() { # bench NFE SOLVER SCHEDULE; kept in bench-*.txt, so a rerun does not measure twice
	for pts in "1 256" "1 2048" "2 2048"; do
		set -- "$1" "$2" "$3" $pts
		echo "### $2 $1 NFE, schedule $3, seed $4, $5 points"
		b="bench-${3%.json}-$4-$5.txt"
		[ -s "$b" ] || ./trajdiff bench samplers --nfe "$1" --solvers "$2" --schedule "$3" --seed "$4" --points "$5" 2>/dev/null | grep -A1 '^solver' | tail -1 > "$b"
		cat "$b"
	done
}
for nfe in ${NFES:-5 10}; do
	for s in $solvers; do
		modes="grid"
		case $s in dpmpp-*|unipc-*) modes="grid orders" ;; esac
		for mode in $modes; do
			f=mixture-$s-$nfe-$mode.json
			flag=default
			[ "$mode" = orders ] && flag=search
			[ -e "$f" ] || /usr/bin/time -f "%e s" ./trajdiff schedule search --target mixture --solver "$s" --nfe "$nfe" --orders $flag --seed 7 --points 512 --out "$f" > "search-$s-$nfe-$mode.txt" 2>"search-$s-$nfe-$mode.err"
			echo "### search $s $nfe NFE, $mode: $(grep -E 'searched:|check batch|step orders' "search-$s-$nfe-$mode.txt" | tr '\n' ' ') ($(tail -1 "search-$s-$nfe-$mode.err"))"
			bench "$nfe" "$s" "$f"
		done
	done
done
[ "${FIXED:-1}" = 0 ] && exit 0
for pts in "1 256" "1 2048" "2 2048"; do
	set -- $pts
	all="ddim,dpmpp-2m,dpmpp-3m,unipc-2,unipc-3,ipndm,deis-3"
	echo "### fixed solvers, karras (default), seed $1, $2 points"
	./trajdiff bench samplers --nfe 5,10,100 --solvers "$all" --seed "$1" --points "$2" 2>/dev/null | grep -A7 '^solver'
	echo "### fixed solvers, logsnr, seed $1, $2 points"
	./trajdiff bench samplers --nfe 5,10 --solvers "$all" --schedule logsnr --seed "$1" --points "$2" 2>/dev/null | grep -A7 '^solver'
done
