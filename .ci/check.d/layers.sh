#!/usr/bin/env bash
# layers: the simulators (pde/..., geometry/..., rl/... except the domain systems) sit above datasets/ and
# never depend on the network or training packages (nn, train) or on the CLI, so the domain systems built
# on them can use them as libraries; the domain systems (geometry/geotdm, pde/wdno, the planners
# rl/diffuser, rl/decisiondiffuser, rl/trajdiffuser and their shared rl/planmodel) may use nn and train,
# never the CLI, and the planners never import each other (docs/ARCHITECTURE.md, Design rules).
set -euo pipefail
cd "$(dirname "$0")/../.."
mod=github.com/trajdiff/trajdiff
systems="^$mod/(geometry/geotdm|pde/wdno|rl/diffuser|rl/decisiondiffuser|rl/trajdiffuser|rl/planmodel)(/|$)"
# shellcheck disable=SC2046
bad=$(go list -deps -f '{{.ImportPath}}' $(go list ./pde/... ./geometry/... ./rl/... | grep -vE "$systems") |
	grep -E "^$mod/(nn|train|cmd)(/|$)" || true)
if [ -n "$bad" ]; then
	echo "layers: the simulators depend on packages above them:" >&2
	echo "$bad" >&2
	exit 1
fi
# shellcheck disable=SC2046
bad=$(go list -deps -f '{{.ImportPath}}' $(go list ./pde/... ./geometry/... ./rl/... | grep -E "$systems") |
	grep -E "^$mod/cmd(/|$)" || true)
if [ -n "$bad" ]; then
	echo "layers: the domain systems depend on the CLI:" >&2
	echo "$bad" >&2
	exit 1
fi
for p in diffuser decisiondiffuser trajdiffuser; do
	[ -d "rl/$p" ] || continue
	others=$(printf '%s\n' diffuser decisiondiffuser trajdiffuser | grep -vx "$p" | paste -sd'|')
	bad=$(go list -deps -f '{{.ImportPath}}' "./rl/$p/..." | grep -E "^$mod/rl/($others)(/|$)" || true)
	if [ -n "$bad" ]; then
		echo "layers: the planner rl/$p imports another planner:" >&2
		echo "$bad" >&2
		exit 1
	fi
done
echo "layers: pde, geometry and rl depend on neither nn, train nor cmd; the domain systems (geotdm, wdno, planners) not on cmd, the planners not on each other"
