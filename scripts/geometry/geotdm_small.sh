#!/usr/bin/env bash
# GeoTDM's reduced N-body runs as measured for docs/benchmarks.md ("GeoTDM on N-body systems"): data, training of
# the learned-prior network and of the N(0, I)-prior ablation with the same budget, evaluation against constant
# velocity, the NFE sweep and the rotated test set. Run from an empty directory; each training takes about 25
# minutes on one core (two at a time on this 2-core machine), an evaluation of 2000 systems x 5 samples at 20
# NFE a few minutes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
go build -o trajdiff "$repo/cmd/trajdiff"
for sys in charged springs gravity; do
  ./trajdiff simulate "$sys" --out "$sys" --splits train=3000,val=256,test=2000
done
cp "$repo"/configs/geotdm-*-small.toml .
# The N(0, I)-prior ablation: the same network and budget without the learned prior.
sed -e 's/^out = "geotdm-charged-small"/out = "geotdm-charged-small-noprior"/' -e 's/^prior = "learned"/prior = "none"/' \
  geotdm-charged-small.toml > geotdm-charged-small-noprior.toml
GOMAXPROCS=1 ./trajdiff train --config geotdm-charged-small.toml &
GOMAXPROCS=1 ./trajdiff train --config geotdm-charged-small-noprior.toml &
wait
# The one-hour budget: the same configuration for 20000 steps.
sed -e 's/^out = "geotdm-charged-small"/out = "geotdm-charged-small-20k"/' -e 's/^steps = 10000/steps = 20000/' \
  geotdm-charged-small.toml > geotdm-charged-small-20k.toml
GOMAXPROCS=1 ./trajdiff train --config geotdm-charged-small-20k.toml
./trajdiff geometry evaluate --checkpoint geotdm-charged-small-20k --data charged/test.arrow --k 5 --out charged-20k.json
./trajdiff geometry evaluate --checkpoint geotdm-charged-small --baseline geotdm-charged-small-noprior \
  --data charged/test.arrow --k 5 --out charged-dpmpp20.json
for solver in "ddim 10" "ddim 20" "ddim 50" "dpmpp-2m 10" "dpmpp-2m 20" "dpmpp-2m 50" "unipc-2 10" "unipc-2 20" "ipndm 10" "ipndm 20" "ddpm 100"; do
  set -- $solver
  ./trajdiff geometry evaluate --checkpoint geotdm-charged-small --data charged/test.arrow --limit 500 --k 5 \
    --solver "$1" --steps "$2" --out "charged-$1-$2.json"
done
./trajdiff geometry evaluate --checkpoint geotdm-charged-small --data charged/test.arrow --limit 500 --k 5 --solver ddim --steps 20 --transform 11 --out charged-rotated.json
for run in springs gravity charged-interp; do
  GOMAXPROCS=1 ./trajdiff train --config "geotdm-$run-small.toml"
done
./trajdiff geometry evaluate --checkpoint geotdm-springs-small --data springs/test.arrow --k 5 --out springs.json
./trajdiff geometry evaluate --checkpoint geotdm-gravity-small --data gravity/test.arrow --k 5 --out gravity.json
./trajdiff geometry evaluate --checkpoint geotdm-charged-interp-small --data charged/test.arrow --k 5 --out interp.json
# GeoTDM's own sampler, DDPM with sigma_t^2 = beta_t over all T = 100 steps, on the forecasting checkpoint
# (docs/benchmarks.md "GeoTDM unconditional generation (issue 13)"), next to ddim 10 and ddpm 100 above.
./trajdiff geometry evaluate --checkpoint geotdm-charged-small --data charged/test.arrow --limit 500 --k 5 --batch 16 \
  --solver ddpm-large --steps 100 --out charged-ddpm-large-100.json
# Unconditional generation, keeping every checkpoint: the recorded numbers are of step-00020000 (the run was
# stopped there for time; training is deterministic, so the full run passes through the same checkpoint).
# One sample per test system from its charges, marginal / classification / prediction scores next to held-out
# real trajectories (the training split), the same shuffled in time and constant velocity from their first
# two frames.
sed -e 's/^keep_checkpoints = 2/keep_checkpoints = 100/' geotdm-charged-uncond-small.toml > geotdm-charged-uncond-small-all.toml
GOMAXPROCS=1 ./trajdiff train --config geotdm-charged-uncond-small-all.toml
for solver in "ddpm-large 100" "ddim 10" "ddpm 100"; do
  set -- $solver
  ./trajdiff geometry generate --checkpoint geotdm-charged-uncond-small/step-00020000 --data charged/test.arrow \
    --reference charged/train.arrow --solver "$1" --steps "$2" --out "uncond-$1-$2.arrow" --report "uncond-$1-$2.json"
done
# The paper's T = 1000 chain (docs/benchmarks.md "GeoTDM at T = 1000: 1000 ancestral steps vs fast solvers
# (issue 13)"): the same reduced network for 20000 steps, then GeoTDM's sampler over all 1000 steps against
# the fast solvers at 10, 20 and 50 NFE on the same checkpoint, the first 200 test systems (the 1000-step run
# in two shards, merged), and the fast solvers on the validation split, where the ranking is read.
GOMAXPROCS=1 ./trajdiff train --config geotdm-charged-t1000-small.toml
for shard in 0 1; do
  ./trajdiff geometry evaluate --checkpoint geotdm-charged-t1000-small --data charged/test.arrow --limit 200 --k 5 \
    --solver ddpm-large --steps 1000 --shard "$shard/2" --out "t1000-ddpm-large-1000-$shard.json"
done
./trajdiff geometry merge --out t1000-ddpm-large-1000.json t1000-ddpm-large-1000-0.json t1000-ddpm-large-1000-1.json
# (The recorded fast-solver runs were sharded the same way and merged; a trajectory's samples do not depend on
# the shard, so one run over the 200 systems gives the same report.)
for n in 10 20 50; do
  for solver in ddim dpmpp-2m unipc-2 ipndm; do
    ./trajdiff geometry evaluate --checkpoint geotdm-charged-t1000-small --data charged/test.arrow --limit 200 --k 5 \
      --solver "$solver" --steps "$n" --out "t1000-test-$solver-$n.json"
  done
done
for n in 10 20 50; do  # (iPNDM at 50 NFE was not run for the recorded table)
  for solver in ddim dpmpp-2m unipc-2 ipndm; do
    ./trajdiff geometry evaluate --checkpoint geotdm-charged-t1000-small --data charged/val.arrow --k 5 \
      --solver "$solver" --steps "$n" --out "t1000-val-$solver-$n.json"
  done
done
# The prior ablations at the one-hour budget (docs/benchmarks.md "GeoTDM's prior ablations at the one-hour
# budget"): the CoM and N(0, I) priors for 20000 steps, next to geotdm-charged-small-20k above.
for prior in none com; do
  sed -e "s/^out = \"geotdm-charged-small\"/out = \"geotdm-charged-small-20k-$prior\"/" -e "s/^prior = \"learned\"/prior = \"$prior\"/" \
    -e 's/^steps = 10000/steps = 20000/' geotdm-charged-small.toml > "geotdm-charged-small-20k-$prior.toml"
  GOMAXPROCS=1 ./trajdiff train --config "geotdm-charged-small-20k-$prior.toml"
done
./trajdiff geometry evaluate --checkpoint geotdm-charged-small-20k --baseline geotdm-charged-small-20k-none \
  --baseline geotdm-charged-small-20k-com --data charged/test.arrow --k 5 --solver ddim --steps 10 --out prior-ablation-20k.json
# Gravity at twice the configuration's steps (docs/benchmarks.md "GeoTDM gravity forecasting at 20,000 steps").
sed -e 's/^out = "geotdm-gravity-small"/out = "geotdm-gravity-small-20k"/' -e 's/^steps = 10000/steps = 20000/' \
  geotdm-gravity-small.toml > geotdm-gravity-small-20k.toml
GOMAXPROCS=1 ./trajdiff train --config geotdm-gravity-small-20k.toml
./trajdiff geometry evaluate --checkpoint geotdm-gravity-small-20k --data gravity/test.arrow --k 5 --out gravity-20k.json
