#!/usr/bin/env bash
# gpu: g++, and cuda.h and the libcuda.so link stub for the `cuda`-tagged build checked by
# .ci/check.d/gpu.sh, taken from Debian's nvidia-cuda-dev (CUDA 11.8, non-free) without installing the toolkit: the .deb (774 MB) is
# downloaded and only those two files are extracted into $TRAJDIFF_CUDA_DIR (default
# ~/.cache/trajdiff/cuda): include/cuda.h and stubs/libcuda.so. About 45 s the first time, nothing after.
# Idempotent. (nvcc, needed only to regenerate gpu/kernels.fatbin, is the full nvidia-cuda-toolkit: see
# gpu/doc.go.)
set -euo pipefail
# g++ builds gpu/cudaemu, the CPU emulation of libcuda.so.1 that .ci/check.d/gpu.sh runs the device tests on.
if ! command -v g++ >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >/dev/null; }
fi
cache=${TRAJDIFF_CUDA_DIR:-$HOME/.cache/trajdiff/cuda}
if [ -f "$cache/include/cuda.h" ] && [ -f "$cache/stubs/libcuda.so" ]; then
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show nvidia-cuda-dev >/dev/null 2>&1; then
	# The package lives in the contrib/non-free components of the same Debian release.
	. /etc/os-release
	cat >/etc/apt/sources.list.d/trajdiff-nonfree.sources <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: ${VERSION_CODENAME} ${VERSION_CODENAME}-updates
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt-get update -qq
fi
command -v dpkg-deb >/dev/null || { echo "gpu: dpkg-deb missing" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp" # apt-get download fetches as the _apt user
(cd "$tmp" && apt-get download -qq nvidia-cuda-dev)
deb=$(ls "$tmp"/nvidia-cuda-dev_*.deb)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/include/cuda.h ./usr/lib/x86_64-linux-gnu/stubs/libcuda.so
mkdir -p "$cache/include" "$cache/stubs"
cp "$tmp/usr/include/cuda.h" "$cache/include/cuda.h.new"
cp "$tmp/usr/lib/x86_64-linux-gnu/stubs/libcuda.so" "$cache/stubs/libcuda.so.new"
mv "$cache/include/cuda.h.new" "$cache/include/cuda.h"
mv "$cache/stubs/libcuda.so.new" "$cache/stubs/libcuda.so"
echo "gpu: cuda.h and the libcuda stub from $(basename "$deb") in $cache"
