#!/usr/bin/env bash
# WDNO's smoke control at the reduced CPU scale, as measured for docs/benchmarks.md ("WDNO smoke control:
# the controls were noise"): simulation grid 64 stored at 32 x 32 (the models take the first 32 of the 33
# frames), the wavelet-space model and the physical-space baseline trained one after the other on one core
# for the same wall time each, the guidance weight of each picked on validation cases (the lowest mean J
# of 0, 100 and 1000), then the test cases next to zero control and the dataset's own control; sampler ddpm
# (DDIM with eta = 1, the reference's). Everything runs on one core (GOMAXPROCS=1), one job at a time. Run
# from an empty directory; stages: data, train, select, test (default: all in order). BUDGET is the
# training wall time of each model (timeout(1) syntax, default 30m); STEPS and CASES the sampling steps
# and test cases of the evaluations (defaults 10 and 100). A second `train` stage resumes both runs where they
# stopped: BUDGET=60m after the default gives the 90-minute models of docs/benchmarks.md ("WDNO smoke control
# at 90 minutes", where the two resumed side by side, a core each), in which WDNO steers the smoke and the
# 30-minute one does not yet; select and test then overwrite their reports. The stage `optimum` (not part of
# `all`: about a minute per case) places WDNO next to what is achievable ("Smoke control: the solver's
# adjoint"): the adjoint optimum from each of the first OPT_CASES (25) test cases' own control, and WDNO's
# samples (guidance through the denoiser at 1e6) refined by the same descent.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
stage=${1:-all}
budget=${BUDGET:-30m}
steps=${STEPS:-10}
cases=${CASES:-100}
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
  # Equal wall time, one after the other on one core: SIGINT after $budget makes each run write a
  # checkpoint at the step it reached.
  for m in wdno ddpm; do
    GOMAXPROCS=1 timeout --signal=INT "$budget" ./trajdiff pde train --config "$m-smoke-small-control.toml" > "$m-train.log" 2>&1 || true
  done
  tail -n 2 wdno-train.log ddpm-train.log
fi

# pick prints the guidance weight of the validation report with the lowest mean J.
pick() {
  python3 -c 'import json, sys; f = min(sys.argv[1:], key=lambda f: json.load(open(f))["summary"][0]["j"]); print(f.rsplit("-", 1)[1][:-5])' "$@"
}

if [ "$stage" = all ] || [ "$stage" = select ]; then
  # The guidance weight on 8 validation cases: none, the reference's 100, ten times it.
  for m in wdno ddpm; do
    for w in 0 100 1000; do
      GOMAXPROCS=1 ./trajdiff pde evaluate --checkpoint "$m-smoke-small-control" --data smoke-small/valid.arrow --limit 8 \
        --batch 8 --baseline "" --solver ddpm --steps "$steps" --guidance "$w" --out "smoke-val-$m-$w.json" > "smoke-val-$m-$w.txt"
    done
  done
  tail -n 1 smoke-val-*.txt
fi

if [ "$stage" = all ] || [ "$stage" = test ]; then
  # The test cases: each model with the weight it chose (WDNO_W, DDPM_W override), WDNO's run with the
  # baselines.
  ww=${WDNO_W:-$(pick smoke-val-wdno-*.json)}
  dw=${DDPM_W:-$(pick smoke-val-ddpm-*.json)}
  GOMAXPROCS=1 ./trajdiff pde evaluate --checkpoint wdno-smoke-small-control --data smoke-small/test.arrow --limit "$cases" \
    --batch 25 --baseline zero,dataset --solver ddpm --steps "$steps" --guidance "$ww" --out smoke-test-wdno.json > smoke-test-wdno.txt
  GOMAXPROCS=1 ./trajdiff pde evaluate --checkpoint ddpm-smoke-small-control --data smoke-small/test.arrow --limit "$cases" \
    --batch 25 --baseline "" --solver ddpm --steps "$steps" --guidance "$dw" --out smoke-test-ddpm.json > smoke-test-ddpm.txt
  cat smoke-test-wdno.txt smoke-test-ddpm.txt
fi

if [ "$stage" = optimum ]; then
  n=${OPT_CASES:-25}
  E=(--checkpoint wdno-smoke-small-control --data smoke-small/test.arrow --limit "$n" --batch 25 --solver ddpm
    --steps "$steps" --guidance 1e6 --guide-through denoiser)
  GOMAXPROCS=1 ./trajdiff pde evaluate "${E[@]}" --baseline zero,dataset,adjoint --adjoint-iters 100 \
    --out smoke-optimum.json > smoke-optimum.txt
  GOMAXPROCS=1 ./trajdiff pde evaluate "${E[@]}" --baseline "" --refine-iters 100 --out smoke-refined.json > smoke-refined.txt
  cat smoke-optimum.txt smoke-refined.txt
fi
