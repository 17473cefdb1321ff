#!/usr/bin/env bash
# The Decision Diffuser and Trajectory Diffuser runs of docs/benchmarks.md, end to end: data (D4RL's
# recipe with Diffuser's goal re-cut), the four models (resumable: rerun after a kill), then the held-out
# closed-loop evaluations of maze2d-umaze-v1 with the settings frozen on development seed 99.
# Usage: scripts/rl/planners_umaze_small.sh [WORKDIR]   (default runs/planners-umaze-small-work)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-runs/planners-umaze-small-work}
mkdir -p "$work"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
[ -e umaze.arrow ] || ./trajdiff simulate maze2d --layout umaze --segments goal --out umaze.arrow --quiet
for c in dd-umaze-small invdyn-umaze-small td-draft-umaze-small td-critic-umaze-small; do
	cp "$root/configs/$c.toml" "$c.toml"
done
sed -i 's/^steps = 100000$/steps = 40000/' td-draft-umaze-small.toml   # the run measured: 40k of the configured 100k steps
for c in dd-umaze-small invdyn-umaze-small td-draft-umaze-small td-critic-umaze-small; do
	GOMAXPROCS=1 ./trajdiff train --config "$c.toml"
done
seed=${SEED:-20261204}
dd() { echo "### decision-diffuser $*"; GOMAXPROCS=1 ./trajdiff plan evaluate --planner decision-diffuser --checkpoint dd-umaze-small \
	--invdyn invdyn-umaze-small --seed "$seed" --steps 10 --baselines=false "$@" 2>/dev/null; }
dd --episodes 50 --replan-every 32 --out dd-every32.json
dd --episodes 50 --warm-time 0.1 --warm-steps 2 --out dd-rti.json
dd --episodes 20 --out dd-every1.json
dd --episodes 1 --replan-every 10 --solver ddpm --steps 200 --out dd-ref200.json
td() { echo "### trajectory-diffuser $*"; GOMAXPROCS=1 ./trajdiff plan evaluate --planner trajectory-diffuser --checkpoint dd-umaze-small \
	--draft td-draft-umaze-small --critic td-critic-umaze-small --invdyn invdyn-umaze-small --seed "$seed" --baselines=false "$@" 2>/dev/null; }
td --episodes 20 --candidates 8 --return 10 --refine-time 0.3 --out td.json
td --episodes 3 --out td-defaults.json
