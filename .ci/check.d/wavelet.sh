#!/usr/bin/env bash
# wavelet: (1) the pure-Go kernels (no SSE2 assembly) pass the same bit-exactness tests; (2) the
# committed filter table and PyWavelets reference vectors are exactly what the committed scripts
# produce with the installed PyWavelets.
set -euo pipefail
cd "$(dirname "$0")/../.."

go test -count=1 -tags purego ./wavelet/...

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 scripts/wavelet/gen_filters.py "$tmp/filters_gen.go"
gofmt -l "$tmp/filters_gen.go" | grep -q . && { echo "wavelet: generated filters_gen.go is not gofmt-clean"; exit 1; }
cmp "$tmp/filters_gen.go" wavelet/filters_gen.go || {
	echo "wavelet: wavelet/filters_gen.go differs from scripts/wavelet/gen_filters.py output"; exit 1; }
/usr/bin/python3 -W ignore scripts/wavelet/gen_reference.py "$tmp/ref" >/dev/null
for f in reference.json reference.bin; do
	cmp "$tmp/ref/$f" "testdata/wavelet/$f" || {
		echo "wavelet: testdata/wavelet/$f differs from scripts/wavelet/gen_reference.py output"; exit 1; }
done
echo "wavelet: generated data reproduced exactly"
