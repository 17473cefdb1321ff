#!/bin/sh
# Planning latency per plan on this CPU against the machine's measured GEMM throughput (issue 15):
# Diffuser's U-Maze network at the reference size (dim 32, H 128; 64 DDPM steps = the reference's compute,
# ~8.2 GMAC per plan) and at the quickstart's size (dim 16), timed by `plan evaluate` over 10 episodes (one
# plan each; the weights are a 1-step run's, which does not change the work), next to the float32 GEMM
# rate of nn's kernels. Run from the repository root on a quiet machine:
#   sh scripts/rl/plan_latency.sh [WORKDIR]
set -eu
work=${1:-/tmp/trajdiff-plan-latency}
mkdir -p "$work"
go build -o "$work/trajdiff" ./cmd/trajdiff
td="$work/trajdiff"
echo "== GEMM (nn/internal/gemm, float32, GOMAXPROCS=1 and 2)"
for p in 1 2; do
	GOMAXPROCS=$p go test -run '^$' -bench 'Sgemm/.*/(256x512x512|4096x64x320)$' -benchtime 1s ./nn/internal/gemm | grep GFLOPS | sed "s/^/GOMAXPROCS=$p /"
done
"$td" simulate maze2d --layout umaze --segments goal --steps 100000 --out "$work/umaze.arrow" --quiet
for dim in 32 16; do
	sed -e "s#^out = .*#out = \"run-$dim\"#" -e "s#^path = .*#path = \"umaze.arrow\"#" -e "s/^dim = .*/dim = $dim/" \
		-e 's/^steps = 2000000/steps = 1/' configs/diffuser-umaze.toml > "$work/d$dim.toml"
	"$td" train --config "$work/d$dim.toml" > /dev/null
done
echo "== plans (10 episodes, 1 plan each; batch 1)"
for run in "32 ddpm 64" "32 dpmpp-2m 20" "32 dpmpp-2m 10" "16 ddpm 64" "16 dpmpp-2m 20" "16 dpmpp-2m 10"; do
	set -- $run
	for p in 1 2; do
		echo "-- dim $1, $2 $3 steps, GOMAXPROCS=$p"
		GOMAXPROCS=$p "$td" plan evaluate --checkpoint "$work/run-$1" --episodes 10 --seed 1 --baselines=false --solver "$2" --steps "$3" 2>/dev/null | sed -n '3,4p'
	done
done
