#!/usr/bin/env bash
# pde: regenerate the NumPy reference trajectories with the committed scripts and check that they equal
# the committed testdata/pde files (the Go tests compare the solvers against those files).
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in burgers cns smoke; do
	/usr/bin/python3 "scripts/pde/${s}_ref.py" "$tmp"
	/usr/bin/python3 scripts/pde/compare_ref.py "$tmp/${s}_ref.json" "testdata/pde/${s}_ref.json"
done

# The SIMD kernels are generated: the committed assembly must be what the committed generators write, and the
# vector kernels must equal the scalar loops bit for bit also under GOAMD64=v3, where Go may fuse multiply-adds
# in the scalar code. (The portable "go" kernels run in the default tests; `-tags purego` only drops the
# assembly, and its separate build of every dependency would cost CI two more minutes.)
for s in advection burgers cns smoke; do
	/usr/bin/python3 "scripts/pde/gen_${s}_asm.py"
	git diff --exit-code -- "pde/${s}/kernel_amd64.s" || { echo "pde/${s}/kernel_amd64.s is not what scripts/pde/gen_${s}_asm.py writes"; exit 1; }
done
GOAMD64=v3 go test -count=1 ./pde/advection/ ./pde/burgers/ ./pde/cns/ ./pde/smoke/
