#!/bin/sh
# Smoke pressure-solve kernels on a shared machine, in process CPU time: the whole reference trajectory
# (BenchmarkReferenceWorkload, 128^2, 257 steps) with the test binary of a baseline commit (before the
# SIMD kernels) and of the working tree alternating, every kernel forced (BenchmarkReferenceWorkloadKernels)
# and the per-kernel benchmarks, then the NumPy reference (scripts/pde/smoke_numpy_bench.py) in the same
# run. Usage: scripts/pde/bench_smoke.sh BASELINE_COMMIT [ROUNDS]
set -e
base=${1:?baseline commit}
rounds=${2:-3}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$base" go.mod go.sum pde internal datasets | tar -x -C "$tmp"
(cd "$tmp" && go test -c -o "$tmp/old.test" ./pde/smoke)
go test -c -o "$tmp/new.test" ./pde/smoke
uptime
for r in $(seq "$rounds"); do
	echo "round $r"
	for b in old new; do
		printf '%s ' "$b"
		(cd pde/smoke && GOMAXPROCS=1 nice -n 5 "$tmp/$b.test" -test.run '^$' -test.bench '^BenchmarkReferenceWorkload$' \
			-test.benchtime 3x -test.cpu 1 | grep Benchmark)
	done
	(cd pde/smoke && GOMAXPROCS=1 nice -n 5 "$tmp/new.test" -test.run '^$' -test.bench 'ReferenceWorkloadKernels' \
		-test.benchtime 2x -test.cpu 1 | grep Benchmark)
	(cd pde/smoke && GOMAXPROCS=1 nice -n 5 "$tmp/new.test" -test.run '^$' -test.bench 'Sweep|Smooth|Apply|CGUpdates|Transfer|VCycle' \
		-test.benchtime 2000x -test.cpu 1 | grep Benchmark)
done
GOMAXPROCS=1 nice -n 5 /usr/bin/python3 scripts/pde/smoke_numpy_bench.py --repeat 2
uptime
