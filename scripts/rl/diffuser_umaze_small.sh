#!/usr/bin/env bash
# The reduced Diffuser U-Maze run of docs/benchmarks.md, end to end: data (D4RL's recipe with Diffuser's
# goal re-cut), training (configs/diffuser-umaze-small.toml, resumable: rerun after a kill), then the
# closed-loop evaluation on 100 episodes of maze2d-umaze-v1 and of Multi2D, next to the expert and random
# actions, for three samplers, and the ablation without training-time inpainting if its run exists.
# Usage: scripts/rl/diffuser_umaze_small.sh [WORKDIR]   (default runs/diffuser-umaze-small-work)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-runs/diffuser-umaze-small-work}
mkdir -p "$work"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
[ -e umaze.arrow ] || ./trajdiff simulate maze2d --layout umaze --segments goal --out umaze.arrow --quiet
cp "$root/configs/diffuser-umaze-small.toml" diffuser-umaze-small.toml
./trajdiff train --config diffuser-umaze-small.toml
seed=${SEED:-20261204}
for mode in v1 multi; do
	extra=""
	[ "$mode" = multi ] && extra="--multi"
	for s in "dpmpp-2m 20" "dpmpp-2m 10" "ddpm 64"; do
		set -- $s
		echo "### $mode $1 $2"
		./trajdiff plan evaluate --checkpoint diffuser-umaze-small --episodes 100 --seed "$seed" $extra \
			--solver "$1" --steps "$2" --out "results-$mode-$1-$2.json" 2>/dev/null
	done
done
