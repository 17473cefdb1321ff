#!/usr/bin/env bash
# layers: the simulators (pde/..., geometry/..., rl/...) sit above datasets/ and never depend on the
# network or training packages (nn, train) or on the CLI, so the domain systems built on them can use
# them as libraries (docs/ARCHITECTURE.md, Design rules).
set -euo pipefail
cd "$(dirname "$0")/../.."
mod=github.com/trajdiff/trajdiff
bad=$(go list -deps -f '{{.ImportPath}}' ./pde/... ./geometry/... ./rl/... |
	grep -E "^$mod/(nn|train|cmd)(/|$)" || true)
if [ -n "$bad" ]; then
	echo "layers: the simulators depend on packages above them:" >&2
	echo "$bad" >&2
	exit 1
fi
echo "layers: pde, geometry and rl depend on neither nn, train nor cmd"
