#!/usr/bin/env bash
# WDNO's smoke control at the reduced CPU scale, as measured for docs/benchmarks.md ("WDNO on smoke
# control"): simulation grid 64 stored at 32 x 32 (the models take the first 32 of the 33 frames), the
# wavelet-space model and the physical-space baseline trained side by side for the same wall time (one
# core each), the guidance weight picked on validation cases, then the test cases next to zero control
# and the dataset's own control; sampler ddpm (DDIM with eta = 1, the reference's). Run from an empty
# directory; stages: data, train, select, test (default: all in order). BUDGET is the training wall time
# of each model (timeout(1) syntax, default 27m); STEPS and CASES the sampling steps and test cases of the
# evaluations (defaults 10 and 50).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
stage=${1:-all}
budget=${BUDGET:-27m}
steps=${STEPS:-10}
cases=${CASES:-50}
[ -x trajdiff ] || go build -o trajdiff "$repo/cmd/trajdiff"

if [ "$stage" = all ] || [ "$stage" = data ]; then
  # seeds: train 11, validation 23 (the guidance weight), test 9431 (the final numbers only)
  mkdir -p smoke-small
  for s in "valid 100 23" "test 100 9431" "train 6000 11"; do
    set -- $s
    GOMAXPROCS=1 ./trajdiff simulate smoke --grid 64 --save 32 --n "$2" --seed "$3" --workers 1 --quiet --out "smoke-small/$1.arrow"
  done
fi

if [ "$stage" = all ] || [ "$stage" = train ]; then
  cp "$repo"/configs/{wdno,ddpm}-smoke-small-control.toml .
  # Equal wall time: SIGINT after $budget makes each run write a checkpoint at the step it reached.
  GOMAXPROCS=1 timeout --signal=INT "$budget" ./trajdiff pde train --config wdno-smoke-small-control.toml > wdno-train.log 2>&1 &
  w=$!
  GOMAXPROCS=1 timeout --signal=INT "$budget" ./trajdiff pde train --config ddpm-smoke-small-control.toml > ddpm-train.log 2>&1 &
  d=$!
  wait "$w" || true
  wait "$d" || true
  tail -n 2 wdno-train.log ddpm-train.log
fi

if [ "$stage" = all ] || [ "$stage" = select ]; then
  # The guidance weight on 8 validation cases (none, the reference's 100, ten and a hundred times it), one
  # model per core.
  for m in wdno ddpm; do
    (for w in 0 100 1000 10000; do
      GOMAXPROCS=1 ./trajdiff pde evaluate --checkpoint "$m-smoke-small-control" --data smoke-small/valid.arrow --limit 8 \
        --batch 8 --baseline "" --solver ddpm --steps "$steps" --guidance "$w" --out "smoke-val-$m-$w.json" > "smoke-val-$m-$w.txt"
    done) &
  done
  wait
  tail -n 1 smoke-val-*.txt
fi

if [ "$stage" = all ] || [ "$stage" = test ]; then
  # The test cases: both models (each with the weight it chose: WDNO_W, DDPM_W, default the reference's
  # 100) in parallel shards of the cases, one core each, then the baselines, all merged into one report.
  ww=${WDNO_W:-100}
  dw=${DDPM_W:-100}
  GOMAXPROCS=1 ./trajdiff pde evaluate --checkpoint wdno-smoke-small-control --data smoke-small/test.arrow --limit "$cases" \
    --batch 25 --baseline zero,dataset --solver ddpm --steps "$steps" --guidance "$ww" --out smoke-test-wdno.json > smoke-test-wdno.txt &
  GOMAXPROCS=1 ./trajdiff pde evaluate --checkpoint ddpm-smoke-small-control --data smoke-small/test.arrow --limit "$cases" \
    --batch 25 --baseline "" --solver ddpm --steps "$steps" --guidance "$dw" --out smoke-test-ddpm.json > smoke-test-ddpm.txt &
  wait
  cat smoke-test-wdno.txt smoke-test-ddpm.txt
fi
