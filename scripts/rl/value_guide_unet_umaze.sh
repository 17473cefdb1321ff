#!/usr/bin/env bash
# Value-guided Diffuser on maze2d U-Maze with Diffuser's own U-Net value model (nn temporal_value,
# configs/diffuser-umaze-value-unet-small.toml) next to the MLP value model, in one run (docs/benchmarks.md,
# "Diffuser's U-Net value model"). WORKDIR must hold what scripts/rl/value_guide_umaze.sh made there: the
# goal-free model diffuser-umaze-nogoal-small, the MLP value model diffuser-umaze-value-small and umaze.arrow.
#   1. train the U-Net value model on one core (skipped when WORKDIR already has it);
#   2. development seed 99: unguided, the MLP at its scale 100, the U-Net value at a sweep of scales;
#   3. held-out seed 20261204 at the scales chosen on seed 99 (UNET_SCALE, default 100), both samplers;
#   4. (devddpm) DDPM 64's scale on seed 99; (replicate) a U-Net value model trained with seed 2, held out,
#      next to the MLP's seed-2 replicate when WORKDIR has it.
# Usage: scripts/rl/value_guide_unet_umaze.sh [WORKDIR]   (default runs/value-guide-work)
#        STAGES="dev heldout" scripts/rl/value_guide_unet_umaze.sh WORKDIR   (default: dev heldout devddpm replicate)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-runs/value-guide-work}
cd "$work"
go build -C "$root" -o "$PWD/trajdiff" ./cmd/trajdiff
c=diffuser-umaze-value-unet-small
if [ ! -e "$c/latest" ]; then
	cp "$root/configs/$c.toml" "$c.toml"
	GOMAXPROCS=1 nice -n 5 ./trajdiff train --config "$c.toml"
fi
ev() { GOMAXPROCS=1 nice -n 5 ./trajdiff plan evaluate --checkpoint diffuser-umaze-nogoal-small --no-goal "$@" 2>/dev/null; }
stages=" ${STAGES:-dev heldout devddpm replicate} "
if [[ $stages == *" dev "* ]]; then
	echo "### dev seed 99, unguided"
	ev --episodes 100 --seed 99 --baselines=false
	echo "### dev seed 99, MLP value, scale 100"
	ev --value diffuser-umaze-value-small --value-scale 100 --episodes 100 --seed 99 --baselines=false
	for s in ${DEV_SCALES:-3 10 30 100 300 1000}; do
		echo "### dev seed 99, U-Net value, scale $s"
		ev --value "$c" --value-scale "$s" --episodes 100 --seed 99 --baselines=false
	done
fi
seed=20261204
s=${UNET_SCALE:-100}
if [[ $stages == *" heldout "* ]]; then
	echo "### held-out, unguided"
	ev --episodes 100 --seed "$seed" --out heldout-unet-run-nogoal.json
	echo "### held-out, MLP value, scale 100"
	ev --value diffuser-umaze-value-small --value-scale 100 --episodes 100 --seed "$seed" --baselines=false --out heldout-unet-run-mlp-100.json
	echo "### held-out, U-Net value, scale $s"
	ev --value "$c" --value-scale "$s" --episodes 100 --seed "$seed" --baselines=false --out "heldout-unet-$s.json"
	echo "### held-out, ddpm 64, MLP value, scale 100"
	ev --solver ddpm --steps 64 --value diffuser-umaze-value-small --value-scale 100 --episodes 100 --seed "$seed" --baselines=false --out heldout-unet-run-ddpm-mlp-100.json
	echo "### held-out, ddpm 64, U-Net value, scale $s"
	ev --solver ddpm --steps 64 --value "$c" --value-scale "$s" --episodes 100 --seed "$seed" --baselines=false --out "heldout-ddpm-unet-$s.json"
fi
if [[ $stages == *" devddpm "* ]]; then
	for d in 30 100 300; do
		echo "### dev seed 99, ddpm 64, U-Net value, scale $d"
		ev --solver ddpm --steps 64 --value "$c" --value-scale "$d" --episodes 100 --seed 99 --baselines=false
	done
fi
if [[ $stages == *" replicate "* ]]; then
	r=$c-seed2
	if [ ! -e "$r/latest" ]; then
		sed -e "s/^out = \"$c\"/out = \"$r\"/" -e 's/^seed = 1$/seed = 2/' "$root/configs/$c.toml" > "$r.toml"
		GOMAXPROCS=1 nice -n 5 ./trajdiff train --config "$r.toml"
	fi
	if [ -e diffuser-umaze-value-small-seed2/latest ]; then # the MLP's replicate, from value_guide_umaze.sh
		echo "### held-out, MLP value seed 2, scale 100"
		ev --value diffuser-umaze-value-small-seed2 --value-scale 100 --episodes 100 --seed "$seed" --baselines=false --out heldout-unet-run-mlp2-100.json
		echo "### held-out, ddpm 64, MLP value seed 2, scale 100"
		ev --solver ddpm --steps 64 --value diffuser-umaze-value-small-seed2 --value-scale 100 --episodes 100 --seed "$seed" --baselines=false --out heldout-unet-run-ddpm-mlp2-100.json
	fi
	echo "### held-out, U-Net value seed 2, scale $s"
	ev --value "$r" --value-scale "$s" --episodes 100 --seed "$seed" --baselines=false --out "heldout-unet2-$s.json"
	echo "### held-out, ddpm 64, U-Net value seed 2, scale $s"
	ev --solver ddpm --steps 64 --value "$r" --value-scale "$s" --episodes 100 --seed "$seed" --baselines=false --out "heldout-ddpm-unet2-$s.json"
fi
