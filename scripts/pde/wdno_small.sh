#!/usr/bin/env bash
# WDNO's reduced runs as measured for docs/benchmarks.md ("WDNO on Burgers and advection"): data, the wavelet-space
# and physical-space models of each task trained side by side with the same CPU time (one core each, the two
# at once on this 2-core machine; 15-30 minutes a pair), then the evaluations on the held-out test draws
# (seeds 9431; seed 23 is the validation split used to pick the guidance weight). Run from an empty directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
go build -o trajdiff "$repo/cmd/trajdiff"
mkdir -p burgers-small advection-small cns-small
for s in "train 8000 11" "val 200 23" "test 200 9431"; do
  set -- $s
  ./trajdiff simulate burgers --preset wdno-small --dtype float64 --n "$2" --seed "$3" --out "burgers-small/$1.arrow"
  ./trajdiff simulate advection --cells 64 --frames 40 --t 2 --beta 1 --dtype float64 --n "$2" --seed "$3" --out "advection-small/$1.arrow"
  ./trajdiff simulate cns --cells 64 --frames 20 --t 1 --dtype float64 --n "$2" --seed "$3" --out "cns-small/$1.arrow"
done
cp "$repo"/configs/{wdno,ddpm}-{burgers-small-sim,burgers-small-control,advection-small-sim,cns-small-sim}.toml .
for run in burgers-small-sim burgers-small-control advection-small-sim cns-small-sim; do
  GOMAXPROCS=1 ./trajdiff pde train --config "wdno-$run.toml" &
  GOMAXPROCS=1 ./trajdiff pde train --config "ddpm-$run.toml" &
  wait
done
# Simulation: WDNO and the physical-space model side by side, at the reference's 50 DDIM (eta = 1) steps and fewer.
./trajdiff pde evaluate --checkpoint wdno-burgers-small-sim --weights raw --data burgers-small/test.arrow --out burgers-sim-raw-ddpm-50.json
for s in "ddpm 50" "ddpm 20" "ddim 10" "ddim 20" "dpmpp-2m 10" "dpmpp-2m 20"; do
  set -- $s
  ./trajdiff pde evaluate --checkpoint wdno-burgers-small-sim --checkpoint ddpm-burgers-small-sim \
    --data burgers-small/test.arrow --solver "$1" --steps "$2" --out "burgers-sim-$1-$2.json"
  ./trajdiff pde evaluate --checkpoint wdno-advection-small-sim --checkpoint ddpm-advection-small-sim \
    --data advection-small/test.arrow --solver "$1" --steps "$2" --out "advection-sim-$1-$2.json"
  ./trajdiff pde evaluate --checkpoint wdno-cns-small-sim --checkpoint ddpm-cns-small-sim \
    --data cns-small/test.arrow --solver "$1" --steps "$2" --out "cns-sim-$1-$2.json"
done
# Control: the guidance weight picked on the validation split, then the test split with every baseline.
for m in wdno ddpm; do
  for w in 0 1e2 1e3 1e4 1.2e5; do
    ./trajdiff pde evaluate --checkpoint "$m-burgers-small-control" --data burgers-small/val.arrow --limit 50 \
      --baseline "" --guidance "$w" --out "burgers-control-val-$m-$w.json"
  done
done
./trajdiff pde evaluate --checkpoint wdno-burgers-small-control --checkpoint ddpm-burgers-small-control \
  --data burgers-small/test.arrow --guidance 1e4 --baseline zero,dataset,adjoint --out burgers-control-test.json
