#!/usr/bin/env bash
set -euo pipefail
# The Gaussian part of docs/benchmarks.md "Searched schedules (issue 17)": searches on the 64-D Gaussian
# (256 + 256 calibration points, seed 7) and the exact Frechet distance of bench samplers. Run in the work
# directory of scripts/diffusion/schedule_search.sh (it needs its trajdiff binary).
cd "${1:-runs/schedule-search}"
for nfe in 5 10; do for s in dpmpp-2m unipc-2 ipndm; do
	f=gaussian-$s-$nfe.json
	[ -e "$f" ] || ./trajdiff schedule search --target gaussian --solver $s --nfe $nfe --seed 7 --points 256 --out $f > search-gaussian-$s-$nfe.txt 2>/dev/null
	echo "### gaussian $s $nfe: $(grep -E 'searched|check' search-gaussian-$s-$nfe.txt | tr '\n' ' ')"
	./trajdiff bench samplers --metric frechet --components 1 --nfe $nfe --solvers $s --schedule $f 2>/dev/null | grep -A1 '^solver' | tail -1
done; done
./trajdiff bench samplers --metric frechet --components 1 --nfe 5,10,100 --solvers ddim,dpmpp-2m,unipc-2,ipndm 2>/dev/null | grep -A5 '^solver'
./trajdiff bench samplers --metric frechet --components 1 --nfe 5,10 --solvers dpmpp-2m,unipc-2,ipndm --schedule logsnr 2>/dev/null | grep -A4 '^solver'
