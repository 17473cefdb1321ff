#!/usr/bin/env bash
# Go vs NumPy, one core, same run: the Go benchmarks BenchmarkReferenceWorkload / BenchmarkTrajectory
# of every PDE package, then scripts/pde/bench_numpy.py on the same workloads. From the repository root.
set -euo pipefail
count=${COUNT:-3}
go test -run '^$' -bench 'ReferenceWorkload|Trajectory' -benchtime "${BENCHTIME:-3x}" -count "$count" -cpu 1 \
	./pde/advection ./pde/burgers ./pde/cns ./pde/smoke
/usr/bin/python3 scripts/pde/bench_numpy.py --repeat "$count"
