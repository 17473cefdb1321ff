#!/usr/bin/env bash
# Searched schedules on the reduced Diffuser U-Maze planner (docs/benchmarks.md, "Searched schedules
# (issue 17)"): a schedule search for DPM-Solver++(2M) at 5 and 10 NFE on the checkpoint (400 evaluations, 32 calibration
# windows of random starts and goals, calibration seed 7), then the closed-loop D4RL score on
# maze2d-umaze-v1 with the default (uniform-t), Karras, log-SNR and searched schedules, on held-out seeds.
# Usage: scripts/rl/diffuser_umaze_schedules.sh CHECKPOINT [WORKDIR]   (default runs/diffuser-umaze-schedules)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ckpt=$(cd "$1" && pwd)
work=${2:-runs/diffuser-umaze-schedules}
episodes=${EPISODES:-100}
seeds=${SEEDS:-"20261204 77 3"}
mkdir -p "$work"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
for nfe in 5 10; do
	f=umaze-dpmpp-2m-$nfe.json
	[ -e "$f" ] || ./trajdiff schedule search --checkpoint "$ckpt" --solver dpmpp-2m --nfe "$nfe" --points 32 --max-evals 400 --seed 7 --out "$f" > "search-$nfe.txt" 2> "search-$nfe.log"
	cat "search-$nfe.txt"
done
for seed in $seeds; do
	for nfe in 5 10; do
		for sch in uniform-t karras logsnr "umaze-dpmpp-2m-$nfe.json"; do
			out="eval-$seed-$nfe-${sch%.json}.json"
			[ -e "$out" ] || ./trajdiff plan evaluate --checkpoint "$ckpt" --episodes "$episodes" --seed "$seed" --solver dpmpp-2m \
				--steps "$nfe" --schedule "$sch" --baselines=false --out "$out" > /dev/null 2>&1
			echo "$seed $nfe $sch $(python3 -c "import json,sys; s=json.load(open('$out'))['results']['agents'][0]['summary']; print('%.1f %.1f %.2f' % (s['score_mean'], s['score_se'], s['success_rate']))")"
		done
	done
done
