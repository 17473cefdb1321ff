#!/usr/bin/env bash
# NumPy (Debian's python3-numpy, for Debian's /usr/bin/python3) regenerates the geometry and rl reference
# data in .ci/check.d/geometry-rl.sh. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib/apt.sh
apt_install python3 python3-numpy
