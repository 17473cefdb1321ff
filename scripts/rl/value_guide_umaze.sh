#!/usr/bin/env bash
# Value-guided Diffuser on maze2d U-Maze (docs/benchmarks.md, "Value-guided Diffuser"), end to end:
#   1. the quickstart (D4RL's 1M-step U-Maze data re-cut at the goal, and the start+goal inpainted,
#      endpoint-conditioned Diffuser it trains in a 15-minute budget: model (c));
#   2. the goal-free Diffuser (configs/diffuser-umaze-nogoal-small.toml: start inpainted only) and its value
#      model J(x_t, t) (configs/diffuser-umaze-value-small.toml), on the same data, one core each;
#   3. the scale sweep on development seed 99, then the held-out evaluation on seed 20261204 of (a) the
#      goal-free model unguided, (b) value-guided at the swept scales, (c) the quickstart model, with the
#      expert and random baselines.
# Usage: scripts/rl/value_guide_umaze.sh [WORKDIR]   (default runs/value-guide-work; SCALES overrides the held-out scales)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-runs/value-guide-work}
mkdir -p "$work"
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
[ -e qs/run ] || ./trajdiff quickstart --out qs
ln -sf qs/umaze.arrow umaze.arrow
for c in diffuser-umaze-nogoal-small diffuser-umaze-value-small; do
	cp "$root/configs/$c.toml" "$c.toml"
	GOMAXPROCS=1 ./trajdiff train --config "$c.toml"
done
ev() { GOMAXPROCS=1 ./trajdiff plan evaluate --checkpoint diffuser-umaze-nogoal-small --no-goal "$@" 2>/dev/null; }
# development seed 99: choose the scales (J is in units of R/returns_scale = R/50, so scale lambda here is
# lambda/50 on raw returns, the reference's units)
echo "### dev seed 99, unguided"
ev --episodes 100 --seed 99 --baselines=false
for s in 0.03 0.1 0.3 1 3 10 30 100 300 1000; do
	echo "### dev seed 99, value scale $s"
	ev --value diffuser-umaze-value-small --value-scale "$s" --episodes 100 --seed 99 --baselines=false
done
echo "### dev seed 99, value scale 100, 2 gradient steps"
ev --value diffuser-umaze-value-small --value-scale 100 --value-steps 2 --episodes 100 --seed 99 --baselines=false
echo "### dev seed 99, value scale 100, no guidance below t = 0.1 (the reference's t_stopgrad 2 of 20 steps)"
ev --value diffuser-umaze-value-small --value-scale 100 --value-stop 0.1 --episodes 100 --seed 99 --baselines=false
for s in 0.1 1 10; do
	echo "### dev seed 99, value scale $s without sigma^2 (--value-no-std)"
	ev --value diffuser-umaze-value-small --value-scale "$s" --value-no-std --episodes 100 --seed 99 --baselines=false
done
# held-out seed 20261204
seed=20261204
echo "### (a) goal-free, unguided"
ev --episodes 100 --seed "$seed" --out heldout-nogoal.json
for s in ${SCALES:-30 100 300}; do
	echo "### (b) goal-free, value-guided, scale $s"
	ev --value diffuser-umaze-value-small --value-scale "$s" --episodes 100 --seed "$seed" --baselines=false --out "heldout-value-$s.json"
done
echo "### (b) goal-free, value-guided, scale 100, 2 gradient steps"
ev --value diffuser-umaze-value-small --value-scale 100 --value-steps 2 --episodes 100 --seed "$seed" --baselines=false --out heldout-value-100-steps2.json
echo "### (c) start+goal inpainted quickstart model"
GOMAXPROCS=1 ./trajdiff plan evaluate --checkpoint qs/run --episodes 100 --seed "$seed" --baselines=false --out heldout-goal.json 2>/dev/null
# the reference's sampler: DDPM ancestral with U-Maze's T = 64 steps (scale checked on seed 99, then held out)
for s in 30 100 300; do
	echo "### dev seed 99, ddpm 64, value scale $s"
	ev --solver ddpm --steps 64 --value diffuser-umaze-value-small --value-scale "$s" --episodes 100 --seed 99 --baselines=false
done
echo "### ddpm 64, unguided"
ev --solver ddpm --steps 64 --episodes 100 --seed "$seed" --baselines=false --out heldout-ddpm-nogoal.json
echo "### ddpm 64, value-guided, scale 100"
ev --solver ddpm --steps 64 --value diffuser-umaze-value-small --value-scale 100 --episodes 100 --seed "$seed" --baselines=false --out heldout-ddpm-value-100.json
# replicate: the value model trained with seed 2
sed -e 's/^out = "diffuser-umaze-value-small"/out = "diffuser-umaze-value-small-seed2"/' -e 's/^seed = 1$/seed = 2/' \
	diffuser-umaze-value-small.toml > diffuser-umaze-value-small-seed2.toml
GOMAXPROCS=1 ./trajdiff train --config diffuser-umaze-value-small-seed2.toml
echo "### value seed 2, dpmpp-2m 20, scale 100"
ev --value diffuser-umaze-value-small-seed2 --value-scale 100 --episodes 100 --seed "$seed" --baselines=false --out heldout-value2-100.json
echo "### value seed 2, ddpm 64, scale 100"
ev --solver ddpm --steps 64 --value diffuser-umaze-value-small-seed2 --value-scale 100 --episodes 100 --seed "$seed" --baselines=false --out heldout-ddpm-value2-100.json
