#!/usr/bin/env bash
# NumPy (Debian's python3-numpy) regenerates the geometry and rl reference data in
# .ci/check.d/geometry-rl.sh. Idempotent.
set -euo pipefail
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3-numpy >/dev/null
