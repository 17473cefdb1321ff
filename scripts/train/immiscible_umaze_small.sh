#!/usr/bin/env bash
# Immiscible diffusion (issue 18) against the same run without it on the U-Maze planner, as measured in
# docs/benchmarks.md: configs/immiscible-umaze-small.toml with train.immiscible unset, "assign" and "knn"
# (k 4), seeds 1 and 2, one run at a time on one core; then every checkpoint's held-out loss (independent
# noise on 1024 windows training never drew) and closed-loop D4RL score (100 episodes, seed 4242).
# Usage: scripts/train/immiscible_umaze_small.sh [WORKDIR]: a directory with umaze.arrow (`trajdiff simulate maze2d --layout umaze --segments goal`).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-runs/immiscible-umaze-small}
mkdir -p "$work"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
[ -e umaze.arrow ] || ./trajdiff simulate maze2d --layout umaze --segments goal --out umaze.arrow --quiet
for seed in 1 2; do
	for v in none assign knn; do
		r=$v-s$seed
		extra=""
		[ "$v" = assign ] && extra='immiscible = "assign"'
		[ "$v" = knn ] && extra='immiscible = "knn"\nimmiscible_k = 4'
		sed -e "s/^out = .*/out = \"$r\"/" -e "s/^seed = 1$/seed = $seed/" \
			-e "s/^# immiscible = .*/$extra/" "$root/configs/immiscible-umaze-small.toml" > $r.toml
		GOMAXPROCS=1 ./trajdiff train --config $r.toml
		./trajdiff loss --config $r.toml --batches 32 > $r.loss.tsv
		for c in $r/step-*; do
			./trajdiff plan evaluate --checkpoint $c --episodes 100 --seed 4242 --baselines=false \
				--out $r.plan-${c#$r/step-}.json > $r.plan-${c#$r/step-}.txt 2>/dev/null
		done
	done
done
