#!/usr/bin/env bash
# pde: Debian's NumPy (for Debian's /usr/bin/python3) for the cross-implementation check in .ci/check.d/pde.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib/apt.sh
apt_install python3 python3-numpy
