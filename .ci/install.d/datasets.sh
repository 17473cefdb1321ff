#!/usr/bin/env bash
# datasets: the JavaScript Arrow implementation for the interoperability test (npm, pinned in
# scripts/datasets/package-lock.json), and HDF5 + pkg-config for the `hdf5`-tagged D4RL importer.
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib/apt.sh

need=(pkg-config libhdf5-dev gcc)
# Node may come from elsewhere (nodesource ships npm inside nodejs); Debian's npm is separate.
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
apt_install "${need[@]}"
pkg-config --exists hdf5 || { echo "datasets: libhdf5-dev installed but pkg-config finds no hdf5" >&2; exit 1; }

if [ ! -f scripts/datasets/node_modules/apache-arrow/package.json ]; then
	(cd scripts/datasets && npm ci --no-audit --no-fund --loglevel=error)
fi
node -e 'require("./scripts/datasets/node_modules/apache-arrow/package.json")' >/dev/null
