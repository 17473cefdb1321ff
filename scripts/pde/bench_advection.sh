#!/bin/sh
# Interleaved rounds of the advection solver benchmarks on a shared machine: per round, per grid, the
# scalar Go solver, the batched Go solver (B=8, the kernel the CPU gets) and the fastest batched NumPy
# form (point-major, B=64 on PDEBench's grid, B=256 on the reduced one), all in process CPU time, so
# that the ratios compare runs made under the same load. Usage: scripts/pde/bench_advection.sh [ROUNDS]
set -e
rounds=${1:-5}
cd "$(dirname "$0")/../.."
go test -c -o /tmp/advection.test ./pde/advection/
uptime
for r in $(seq "$rounds"); do
	echo "round $r"
	/tmp/advection.test -test.run XXX -test.bench 'SolverScalar|SolverBatched/.*/auto-.*/B=8$' -test.benchtime 1s |
		grep Benchmark
	/usr/bin/python3 scripts/pde/advection_numpy_bench.py --no-check --grids pdebench-1024x201 --layouts pm \
		--batches 64 --frames 1 --repeat 1 | grep cpu-ns
	/usr/bin/python3 scripts/pde/advection_numpy_bench.py --no-check --grids reduced-64x41 --layouts pm \
		--batches 256 --frames 4 --repeat 1 | grep cpu-ns
done
uptime
