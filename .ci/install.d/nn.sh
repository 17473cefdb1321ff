#!/usr/bin/env bash
# nn: OpenBLAS for the opt-in `openblas` build of the GEMM back end, and NumPy for the Python reader that
# checks Go-written safetensors files (both used by .ci/check.d/nn.sh).
set -euo pipefail
need=()
for p in libopenblas-dev python3-numpy; do
	dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	apt-get install -y "${need[@]}" || { apt-get update && apt-get install -y "${need[@]}"; }
fi
