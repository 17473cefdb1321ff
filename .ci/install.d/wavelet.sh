#!/usr/bin/env bash
# PyWavelets (Debian's python3-pywt) regenerates the wavelet package's filter table and reference
# vectors in .ci/check.d/wavelet.sh. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib/apt.sh
apt_install python3 python3-numpy python3-pywt
