#!/usr/bin/env bash
# geometry, rl: the committed NumPy reference scripts still agree with the Go simulators. The scripts
# regenerate their reference data into a temporary directory and the cross-implementation tests run
# against it (tolerances as in the tests, so BLAS/libm rounding differences between machines do not
# matter); then a note says whether the committed testdata was reproduced byte for byte.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 scripts/geometry/nbody_reference.py testdata --out "$tmp/geometry"
/usr/bin/python3 scripts/rl/maze_reference.py testdata --out "$tmp/rl"
TRAJDIFF_GEOMETRY_TESTDATA="$tmp/geometry" go test -count=1 -run 'AgreesWithNumPy' ./geometry/
TRAJDIFF_RL_TESTDATA="$tmp/rl" go test -count=1 -run 'AgreesWithNumPy' ./rl/
for f in geometry/nbody_reference.bin geometry/nbody_reference.json rl/maze_reference.json; do
	if cmp -s "$tmp/$f" "testdata/$f"; then
		echo "geometry-rl: testdata/$f reproduced exactly"
	else
		echo "geometry-rl: note: testdata/$f differs from this machine's regeneration (rounding); the tests above passed on both"
	fi
done
