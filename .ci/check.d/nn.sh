#!/usr/bin/env bash
# nn: the opt-in OpenBLAS build (cgo) must build, vet and pass the same tests as the default pure-Go build;
# the portable fallbacks (no assembly) must compile for another architecture; and a safetensors file
# written by the Go writer must parse with the independent Python reader of the parity script.
set -euo pipefail
cd "$(dirname "$0")/../.."
CGO_LDFLAGS="${CGO_LDFLAGS:-} -lopenblas" go vet -tags openblas ./nn/...
CGO_LDFLAGS="${CGO_LDFLAGS:-} -lopenblas" go test -tags openblas -count=1 ./nn/...
GOARCH=arm64 CGO_ENABLED=0 go vet ./nn/...
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TRAJDIFF_NN_SAFETENSORS_OUT="$tmp/go.safetensors" go test -count=1 -run TestWriteForPython ./nn/safetensors
/usr/bin/python3 scripts/nn/check_go_safetensors.py "$tmp/go.safetensors"
