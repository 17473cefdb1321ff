#!/usr/bin/env bash
# Builds the CPU emulation of the CUDA driver, libcuda.so.1, into $1 (default gpu/cudaemu/out): trajdiff's
# kernels (gpu/kernels/*.cu) compiled for the host with the emulated CUDA surface of include/, and the driver
# entry points of runtime.cc. Needs g++ (C++20) and cuda.h (CUDA 11.8, from nvidia-cuda-dev or the cache of
# .ci/install.d/gpu.sh; set CUDA_INCLUDE to its directory). Run a cuda-tagged binary on it with
#
#	LD_LIBRARY_PATH=gpu/cudaemu/out ./gpu.test
#
# See README.md for what it checks and what it cannot.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/out}
inc=${CUDA_INCLUDE:-}
if [ -z "$inc" ]; then
	for d in "${TRAJDIFF_CUDA_DIR:-$HOME/.cache/trajdiff/cuda}/include" /usr/include /usr/local/cuda/include; do
		[ -f "$d/cuda.h" ] && inc=$d && break
	done
fi
[ -n "$inc" ] && [ -f "$inc/cuda.h" ] || { echo "cudaemu: cuda.h not found (set CUDA_INCLUDE or run .ci/install.d/gpu.sh)" >&2; exit 1; }
mkdir -p "$out"
# -march=native (the library is built where it runs; CUDAEMU_MARCH overrides) makes fma() a hardware FMA instead
# of a libm call; -ffp-contract=fast contracts a*b+c into FMAs as nvcc does by default.
flags=(-std=c++20 -O2 -g ${CUDAEMU_MARCH:--march=native} -fPIC -Wall -Wno-unknown-pragmas -Wno-unused-function -ffp-contract=fast -fno-strict-aliasing)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# CUDAEMU_KERNELS: another directory of kernel sources (gpu/cudaemu/mutants.sh builds planted bugs with it).
kernels=${CUDAEMU_KERNELS:-$here/../kernels}
compile() { g++ "${flags[@]}" -include "$here/include/cuda_emu.h" -I "$here/include" -I "$kernels" -I "$here" -c "$@"; }
# CUDAEMU_KERNELS_OBJ: where to keep the kernels' object (all of gpu/kernels and the launch table) between
# builds; written when absent. CUDAEMU_OVERRIDE: kernel sources (names in the kernels directory) compiled on
# their own and linked ahead of that object with --allow-multiple-definition, so that their functions replace
# its copies (every function of a kernel source is external and interposable under -fPIC, and the table takes
# the kernels' addresses through their symbols). mutants.sh builds each planted bug this way: the mutated
# file and every source that includes it, a few seconds instead of the whole set.
objs=()
if [ -n "${CUDAEMU_OVERRIDE:-}" ]; then
	for f in $CUDAEMU_OVERRIDE; do echo "#include \"$f\""; done > "$tmp/override.cc"
	compile "$tmp/override.cc" -o "$tmp/override.o"
	objs+=("$tmp/override.o")
fi
kobj=${CUDAEMU_KERNELS_OBJ:-$tmp/kernels.o}
[ -f "$kobj" ] || compile "$here/kernels.cc" -o "$kobj"
objs+=("$kobj")
# CUDAEMU_RUNTIME_OBJ: where to keep the driver entry points' object between builds of other kernel
# sources (mutants.sh: runtime.cc does not change between mutants); written when absent.
runtime=${CUDAEMU_RUNTIME_OBJ:-$tmp/runtime.o}
[ -f "$runtime" ] || g++ "${flags[@]}" -I "$inc" -I "$here/include" -I "$here" -c "$here/runtime.cc" -o "$runtime"
g++ -shared -Wl,-soname,libcuda.so.1 -Wl,--allow-multiple-definition -o "$tmp/libcuda.so.1" "${objs[@]}" "$runtime"
mv "$tmp/libcuda.so.1" "$out/libcuda.so.1"
echo "cudaemu: $out/libcuda.so.1"
