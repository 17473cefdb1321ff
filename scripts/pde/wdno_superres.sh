#!/usr/bin/env bash
# WDNO's super-resolution model, reduced, as measured for docs/benchmarks.md ("WDNO super-resolution applied past
# its training resolutions"): 41 x 60 training data, one model trained on the pairs 41 x 60 | 21 x 30 and
# 21 x 30 | 11 x 15 on one core, then refinement of 200 held-out trajectories from 21 x 30 to 41 x 60 (trained),
# 81 x 120 and 161 x 240 (zero-shot), against the solver's own 161 x 240 trajectories subsampled to each level.
# Run from an empty directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
go build -o trajdiff "$repo/cmd/trajdiff"
mkdir -p burgers-small
./trajdiff simulate burgers --preset wdno-small --dtype float64 --n 8000 --seed 11 --workers 1 --out burgers-small/train.arrow
# The truth at 161 x 240: the solver at that resolution (963 points, steps from the diffusion number 0.4).
./trajdiff simulate burgers --preset wdno-small --cells 240 --frames 160 --steps-per-frame 0 --dtype float64 \
  --n 200 --seed 9431 --workers 1 --out burgers-small/test-161x240.arrow
cp "$repo"/configs/wdno-burgers-small-superres.toml .
GOMAXPROCS=1 nice -n 5 ./trajdiff pde train --config wdno-burgers-small-superres.toml
GOMAXPROCS=1 nice -n 5 ./trajdiff pde superres --checkpoint wdno-burgers-small-superres \
  --data burgers-small/test-161x240.arrow --passes 3 --limit 100 --steps 25 --batch 20 --out superres-100-s25.json
# At the training resolutions: the training data's own generator (243 solver points) from 11 x 15, and the same
# 41 x 60 grid solved with 975 points from 21 x 30.
./trajdiff simulate burgers --preset wdno-small --dtype float64 --n 200 --seed 9431 --workers 1 --out burgers-small/test-41x60.arrow
./trajdiff simulate burgers --preset wdno-small --refine 16 --steps-per-frame 0 --dtype float64 --n 100 --seed 9431 \
  --workers 1 --out burgers-small/test-41x60-r16.arrow
GOMAXPROCS=1 nice -n 5 ./trajdiff pde superres --checkpoint wdno-burgers-small-superres \
  --data burgers-small/test-41x60.arrow --passes 2 --limit 100 --steps 25 --batch 20 --oracle --out superres-41x60-100-s25.json
GOMAXPROCS=1 nice -n 5 ./trajdiff pde superres --checkpoint wdno-burgers-small-superres \
  --data burgers-small/test-41x60-r16.arrow --passes 1 --limit 100 --steps 25 --batch 20 --out superres-41x60-r16-100-s25.json
# Each step from the true coarse trajectory of its level next to the chain (wdno-oracle).
GOMAXPROCS=1 nice -n 5 ./trajdiff pde superres --checkpoint wdno-burgers-small-superres \
  --data burgers-small/test-161x240.arrow --passes 3 --limit 100 --steps 25 --batch 20 --oracle --out superres-100-s25-oracle.json
# Deterministic DDIM (eta = 0) on the first 20 cases.
GOMAXPROCS=1 nice -n 5 ./trajdiff pde superres --checkpoint wdno-burgers-small-superres \
  --data burgers-small/test-161x240.arrow --passes 3 --limit 20 --solver ddim --steps 25 --batch 20 --out superres-20-ddim25.json
