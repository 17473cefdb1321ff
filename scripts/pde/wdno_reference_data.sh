#!/bin/bash
# WDNO's reference Burgers dataset: 40,000 training and 8,000 test trajectories at the reference resolution
# (`trajdiff simulate burgers --preset wdno`: 81 x 120 stored states and controls, 1935 solver points,
# dt = 1/76800, 614,400 Euler steps and 1.19e9 point-updates per trajectory), generated as 48 shards of 1000
# with one simulate process per core (one worker each: a shard's batches share no state, so processes scale
# like workers and a killed run loses at most the shards in flight), then merged into train.arrow and
# test.arrow, the files configs/wdno-burgers-{sim,control}.toml read.
#
#   scripts/pde/wdno_reference_data.sh OUTDIR [TRAJDIFF]
#
# Rerunning skips finished shards (simulate refuses to overwrite them; an interrupted shard leaves no file,
# only a temporary that the next write of that shard removes). Each shard's wall and user CPU time go to
# OUTDIR/times.log. On the 2-core Xeon of docs/benchmarks.md a shard costs about 146 s of CPU, so the whole
# set 62 minutes on both cores (measured 2026-12-05: 88 minutes end to end, the first 16 shards beside other jobs).
set -euo pipefail
out=${1:?usage: wdno_reference_data.sh OUTDIR [TRAJDIFF]}
bin=${2:-}
if [ -z "$bin" ]; then
	bin=$(mktemp -d)/trajdiff
	go build -o "$bin" ./cmd/trajdiff
fi
mkdir -p "$out"
cd "$out"
jobs() {
	for i in $(seq 0 39); do echo "--n 40000 --seed 11 --shard $i/40 --out train-$(printf %02d "$i").arrow"; done
	for i in $(seq 0 7); do echo "--n 8000 --seed 9431 --shard $i/8 --out test-$(printf %02d "$i").arrow"; done
}
echo "start $(date -u +%FT%TZ) on $(nproc) cores" | tee -a times.log
jobs | xargs -P "$(nproc)" -L 1 sh -c '
	f=$(echo "$@" | sed "s/.*--out //")
	[ -e "$f" ] && exit 0
	/usr/bin/time -f "$f %e s wall %U s user" "'"$bin"'" simulate burgers --preset wdno --workers 1 --quiet "$@" 2>&1 | tail -1 >> times.log' _
echo "end $(date -u +%FT%TZ)" | tee -a times.log
"$bin" data merge train.arrow 'train-*.arrow'
"$bin" data merge test.arrow 'test-*.arrow'
"$bin" data validate train.arrow
"$bin" data validate test.arrow
