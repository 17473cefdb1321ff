#!/usr/bin/env bash
# PyWavelets (Debian's python3-pywt) regenerates the wavelet package's filter table and reference
# vectors in .ci/check.d/wavelet.sh. Idempotent.
set -euo pipefail
if /usr/bin/python3 -c 'import pywt, numpy' 2>/dev/null; then
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3-pywt python3-numpy >/dev/null
