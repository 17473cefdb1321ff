#!/usr/bin/env bash
# nn: OpenBLAS for the opt-in `openblas` build of the GEMM back end, and NumPy for the Python reader that
# checks Go-written safetensors files (both used by .ci/check.d/nn.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib/apt.sh
apt_install libopenblas-dev python3 python3-numpy
