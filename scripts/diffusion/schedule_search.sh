#!/usr/bin/env bash
# Searched schedules on the sampler benchmark's exact targets (docs/benchmarks.md, "Searched schedules
# (issue 17)"): for each solver and NFE budget, a schedule search on the 64-D mixture and on the 64-D
# Gaussian (calibration seed 7, 256 points), then bench samplers on held-out noise (seed 1) with the
# default schedule, uniform log-SNR and the searched file, next to DDIM at 100 NFE.
# Usage: scripts/diffusion/schedule_search.sh [WORKDIR]   (default runs/schedule-search)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-runs/schedule-search}
mkdir -p "$work"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
solvers=${SOLVERS:-"dpmpp-2m unipc-2 ipndm"}
for target in mixture gaussian; do
	metric=rmse comp=4
	[ "$target" = gaussian ] && metric=frechet comp=1
	for nfe in 5 10; do
		for s in $solvers; do
			f=$target-$s-$nfe.json
			[ -e "$f" ] || ./trajdiff schedule search --target "$target" --solver "$s" --nfe "$nfe" --seed 7 --out "$f" > "search-$target-$s-$nfe.txt" 2>/dev/null
			echo "### $target $s $nfe searched"
			./trajdiff bench samplers --metric "$metric" --components "$comp" --nfe "$nfe" --solvers "$s" --schedule "$f" --seed 1 2>/dev/null | grep -A1 '^solver'
		done
	done
	echo "### $target default (karras) and logsnr"
	./trajdiff bench samplers --metric "$metric" --components "$comp" --nfe 5,10,100 --solvers "ddim,$(echo $solvers | tr ' ' ,)" --seed 1 2>/dev/null | grep -A5 '^solver'
	./trajdiff bench samplers --metric "$metric" --components "$comp" --nfe 5,10 --solvers "$(echo $solvers | tr ' ' ,)" --schedule logsnr --seed 1 2>/dev/null | grep -A4 '^solver'
done
