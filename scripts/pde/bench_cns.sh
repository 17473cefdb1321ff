#!/bin/sh
# CNS solver benchmarks on a shared machine, in process CPU time: the scalar Go solver (the reference
# workload at 1024 cells and random trajectories on WDNO's reduced 64-cell grid), the batch solver (every
# kernel set of this CPU, on both grids) and the batched NumPy form (scripts/pde/cns_numpy_bench.py) in the
# same run, interleaved. Usage: scripts/pde/bench_cns.sh [ROUNDS]
set -e
rounds=${1:-1}
cd "$(dirname "$0")/../.."
go test -c -o /tmp/cns.test ./pde/cns/
/usr/bin/python3 scripts/pde/cns_numpy_bench.py --batches 1 --frames 1 --repeat 1 --grids wdno-small >/dev/null
uptime
for r in $(seq "$rounds"); do
	echo "round $r"
	(cd pde/cns && GOMAXPROCS=1 /tmp/cns.test -test.run '^$' -test.bench 'ReferenceWorkload' \
		-test.benchtime 3x -test.cpu 1 | grep Benchmark)
	(cd pde/cns && GOMAXPROCS=1 /tmp/cns.test -test.run '^$' -test.bench 'SmallGrid' \
		-test.benchtime 64x -test.cpu 1 | grep Benchmark)
	(cd pde/cns && GOMAXPROCS=1 /tmp/cns.test -test.run '^$' -test.bench 'Batch' \
		-test.benchtime 2x -test.cpu 1 | grep Benchmark)
	/usr/bin/python3 scripts/pde/cns_numpy_bench.py --no-check --batches 8,64,256 --frames 2 --repeat 3 | grep cpu-ns
done
uptime
