#!/usr/bin/env bash
# The installers' decisions on machines unlike this one, with fake apt tools on PATH (.ci/test/installers.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash .ci/test/installers.sh
