#!/usr/bin/env bash
# datasets: the JavaScript Arrow implementation for the interoperability test (npm, pinned in
# scripts/datasets/package-lock.json), and HDF5 + pkg-config for the `hdf5`-tagged D4RL importer.
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."

need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
pkg-config --exists hdf5 2>/dev/null || need_apt+=(libhdf5-dev)
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc)
if [ ${#need_apt[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -f scripts/datasets/node_modules/apache-arrow/package.json ]; then
	(cd scripts/datasets && npm ci --no-audit --no-fund --loglevel=error)
fi
node -e 'require("./scripts/datasets/node_modules/apache-arrow/package.json")' >/dev/null
