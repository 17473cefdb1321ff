#!/usr/bin/env bash
# pde: Debian's NumPy for the cross-implementation check in .ci/check.d/pde.sh.
set -euo pipefail
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
	apt-get update -qq
	apt-get install -y -qq python3-numpy
fi
