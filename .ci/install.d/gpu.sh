#!/usr/bin/env bash
# gpu: g++, and cuda.h and the libcuda.so link stub for the `cuda`-tagged build checked by
# .ci/check.d/gpu.sh, taken from Debian's nvidia-cuda-dev (CUDA 11.8, non-free) without installing the
# toolkit: the .deb (774 MB) is downloaded and only those two files are extracted into $TRAJDIFF_CUDA_DIR
# (default ~/.cache/trajdiff/cuda): include/cuda.h and stubs/libcuda.so. About 45 s the first time, nothing
# after. Idempotent. (nvcc, needed only to regenerate gpu/kernels.fatbin, is the full nvidia-cuda-toolkit:
# see gpu/doc.go.)
#
# A machine whose apt sources list only `main` has no candidate for nvidia-cuda-dev (main packages still
# name it, so `apt-cache show` succeeds there): the contrib/non-free components are added only then.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib/apt.sh
# g++ builds gpu/cudaemu, the CPU emulation of libcuda.so.1 that .ci/check.d/gpu.sh runs the device tests on;
# dpkg-deb unpacks the .deb.
apt_install g++ dpkg
cache=${TRAJDIFF_CUDA_DIR:-$HOME/.cache/trajdiff/cuda}
if [ -f "$cache/include/cuda.h" ] && [ -f "$cache/stubs/libcuda.so" ]; then
	exit 0
fi
if ! apt_has_candidate nvidia-cuda-dev; then
	apt_update
	# The package lives in the contrib/non-free components of the same Debian release.
	apt_has_candidate nvidia-cuda-dev || apt_enable_components contrib non-free
	apt_has_candidate nvidia-cuda-dev || {
		echo "gpu: nvidia-cuda-dev has no installable candidate even with contrib and non-free" >&2
		exit 1
	}
fi
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
