#!/usr/bin/env bash
# Trajectories per second of `trajdiff simulate` for each PDE system at its default resolution with
# 1, 2, ... workers up to the number of cores, to measure parallel scaling.
# Usage: scripts/pde/bench_scaling.sh [N_PER_WORKER]   (from the repository root)
set -euo pipefail
per=${1:-4}
cores=$(nproc)
bin=$(mktemp -d)/trajdiff
go build -o "$bin" ./cmd/trajdiff
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$(dirname "$bin")"' EXIT
for sys in burgers advection cns smoke; do
	case $sys in
	burgers) n=$((per * 50)) ;;
	advection) n=$((per * 8)) ;;
	*) n=$per ;;
	esac
	for w in $(seq 1 "$cores"); do
		total=$((n * w))
		line=$("$bin" simulate "$sys" --n "$total" --workers "$w" --quiet --out "$tmp/$sys-$w.arrow")
		echo "$sys workers=$w $line"
	done
done
