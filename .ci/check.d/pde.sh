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
