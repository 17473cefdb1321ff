#!/usr/bin/env bash
# layers: the simulators (pde/..., geometry/..., rl/... except the planners) sit above datasets/ and never
# depend on the network or training packages (nn, train) or on the CLI, so the domain systems built on them
# can use them as libraries; the planners (rl/diffuser) are such a system: they may use nn and train, never
# the CLI (docs/ARCHITECTURE.md, Design rules).
set -euo pipefail
cd "$(dirname "$0")/../.."
mod=github.com/trajdiff/trajdiff
planners="^$mod/rl/diffuser(/|$)"
# shellcheck disable=SC2046
bad=$(go list -deps -f '{{.ImportPath}}' $(go list ./pde/... ./geometry/... ./rl/... | grep -vE "$planners") |
	grep -E "^$mod/(nn|train|cmd)(/|$)" || true)
if [ -n "$bad" ]; then
	echo "layers: the simulators depend on packages above them:" >&2
	echo "$bad" >&2
	exit 1
fi
bad=$(go list -deps -f '{{.ImportPath}}' ./rl/diffuser/... | grep -E "^$mod/cmd(/|$)" || true)
if [ -n "$bad" ]; then
	echo "layers: the planners depend on the CLI:" >&2
	echo "$bad" >&2
	exit 1
fi
echo "layers: pde, geometry and rl depend on neither nn, train nor cmd; the planners (rl/diffuser) not on cmd"
