#!/usr/bin/env bash
# The quickstart's zig-zag plans and their cause (docs/benchmarks.md, "Smooth plans"): the quickstart's
# Diffuser trained for the same 1700 steps with Diffuser's transposed upsampler (PyTorch init), the same
# layer initialised tied (ICNR, upsample_init = "tied"), the resize-convolution (upsample = "nearest"),
# and two objective changes (min-SNR-5 weighting, eps prediction), each scored on the same held-out starts.
# Run from an empty directory; about 25 minutes on 2 cores. Needs the quickstart's data and configuration
# (QS, default ./qs: `trajdiff quickstart --out qs` writes both) and /usr/bin/python3 with NumPy for the
# smoothness summary.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
qs=${QS:-qs}
[ -x trajdiff ] || go build -o trajdiff "$repo/cmd/trajdiff"
[ -f "$qs/quickstart.toml" ] || ./trajdiff quickstart --out "$qs"
base="$qs/quickstart.toml"
variant() { # name, then sed expressions applied to the quickstart's configuration
	local name=$1
	shift
	sed -e "s#^out = .*#out = \"$PWD/run-$name\"#" -e 's/steps = 3000.0/steps = 1700.0/' \
		-e '/upsample_init/d' "$@" "$base" > "$name.toml"
}
variant transposed
variant tied -e 's/^    transition = 6.0/    transition = 6.0\n    upsample_init = "tied"/'
variant nearest -e 's/^    transition = 6.0/    transition = 6.0\n    upsample = "nearest"/'
variant minsnr -e 's/^    transition = 6.0/    transition = 6.0\n    upsample = "nearest"/' -e 's/weighting = "unit"/weighting = "min-snr"/'
variant eps -e 's/^    transition = 6.0/    transition = 6.0\n    upsample = "nearest"/' -e 's/prediction = "x0"/prediction = "eps"/'
for v in transposed tied nearest minsnr eps; do
	./trajdiff train --config "$v.toml" > "train-$v.log" 2>&1
	./trajdiff plan evaluate --checkpoint "run-$v" --data "$qs/umaze.arrow" --episodes 20 --seed 20261206 \
		--baselines=false --out "eval-$v.json" --plot-plans "plans-$v.png" > "eval-$v.txt" 2>/dev/null
done
for v in transposed tied nearest; do # 50 more episodes on other starts, one core each
	GOMAXPROCS=1 ./trajdiff plan evaluate --checkpoint "run-$v" --data "$qs/umaze.arrow" --episodes 50 --seed 7 \
		--baselines=false --out "eval50-$v.json" > "eval50-$v.txt" 2>/dev/null &
done
wait
/usr/bin/python3 "$repo/scripts/rl/plan_smoothness.py" eval-*.json eval50-*.json
