#!/usr/bin/env bash
# gpu: the `cuda`-tagged build, which `go test ./...` never compiles. Vets and builds every package that
# imports gpu with -tags cuda against the headers .ci/install.d/gpu.sh extracted, compiles the device test
# binary, checks that it needs nothing from CUDA but libcuda.so.1 (no cudart, cuBLAS, NVRTC, cuDNN), and runs
# its device tests on gpu/cudaemu, the CPU emulation of libcuda.so.1 (there is no GPU here). The default build's tests, including the
# fatbin-freshness and host-emulation tests, run in the main `go test ./...` step.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${TRAJDIFF_CUDA_DIR:-$HOME/.cache/trajdiff/cuda}
if [ -f "$cache/include/cuda.h" ]; then
	export CGO_CFLAGS="${CGO_CFLAGS:-} -I$cache/include"
	export CGO_LDFLAGS="${CGO_LDFLAGS:-} -L$cache/stubs"
elif [ ! -f /usr/include/cuda.h ]; then
	echo "gpu: no cuda.h (run .ci/install.d/gpu.sh)" >&2
	exit 1
fi
export CGO_ENABLED=1
# The packages of this module that import gpu and not gorgonia: gorgonia reads the `cuda` tag as a request for
# its cuDNN backend, so those that import both (nn users such as cmd/trajdiff) are built with trajdiff_cuda
# below instead.
gpu=github.com/trajdiff/trajdiff/gpu
pkgs=$(go list -tags cuda -f '{{.ImportPath}} {{join .Deps " "}}' ./... | awk -v p="$gpu" '{
	uses = 0; gorgonia = 0
	for (i = 1; i <= NF; i++) { if ($i == p) uses = 1; if ($i == "gorgonia.org/gorgonia") gorgonia = 1 }
	if ((uses || $1 == p) && !gorgonia) print $1 }')
echo "gpu: cuda-tagged packages: $pkgs"
# shellcheck disable=SC2086
go vet -tags cuda $pkgs
# shellcheck disable=SC2086
go build -tags cuda $pkgs
# trajdiff_cuda enables the same GPU code without gorgonia's cuDNN backend, so the whole module builds with it
# (cmd/trajdiff's `solve --device gpu` included).
go vet -tags trajdiff_cuda ./...
go build -tags trajdiff_cuda ./...
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -tags cuda -c -o "$tmp/gpu.test" ./gpu
go test -tags trajdiff_cuda -c -o "$tmp/cmd.test" ./cmd/trajdiff
needed=$(readelf -d "$tmp/gpu.test" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
echo "gpu: device test binary needs: $needed"
for lib in $needed; do
	case "$lib" in
	libcuda.so.1 | libc.so.6 | libm.so.6 | libpthread.so.0 | libdl.so.2 | libresolv.so.2) ;;
	*)
		echo "gpu: the cuda build links $lib; it may need only libcuda.so.1 from the driver" >&2
		exit 1
		;;
	esac
done
echo "$needed" | grep -q 'libcuda.so.1' || { echo "gpu: the cuda build does not link libcuda.so.1" >&2; exit 1; }

# The device tests of that binary on the CPU emulation of the driver (gpu/cudaemu/README.md): the kernels'
# own sources compiled for the host, launched through the real host code, graphs included; the timing code
# runs on small sizes (its numbers mean nothing here). Then the GEMM
# again with cp.async copies landing at once instead of as late as possible.
bash gpu/cudaemu/build.sh "$tmp/emu"
(cd gpu && TRAJDIFF_GPU_TIMINGS=smoke LD_LIBRARY_PATH="$tmp/emu" "$tmp/gpu.test" -test.count=1 -test.timeout=15m -test.run '^(TestGPU|Example)')
(cd gpu && CUDAEMU_CP_ASYNC=eager LD_LIBRARY_PATH="$tmp/emu" "$tmp/gpu.test" -test.count=1 -test.run '^TestGPUGemm$')
# Trained networks on the device (gpu/fromnn imports nn, so its test binary is built with trajdiff_cuda):
# the forward pass against nn's CPU predictor (MLP, TemporalUnet, the 1-D DiT), a trained checkpoint's sampler
# against the CPU, graph replay, and the network timings' code on small sizes.
go test -tags trajdiff_cuda -c -o "$tmp/fromnn.test" ./gpu/fromnn
(cd gpu/fromnn && TRAJDIFF_GPU_TIMINGS=smoke LD_LIBRARY_PATH="$tmp/emu" "$tmp/fromnn.test" -test.count=1 -test.run '^TestGPU')
# The emulator still catches planted kernel bugs (gpu/cudaemu/mutants.sh: 74 mutants, each its file and the
# kernel sources that include it recompiled over the unmutated object, and one test; run one per core).
bash gpu/cudaemu/mutants.sh "$tmp/gpu.test"
# The CLI built with GPU support: `trajdiff solve --device gpu` (the mixture) and `trajdiff sample --device gpu`
# (a trained planner-shaped checkpoint) and `trajdiff plan evaluate --device gpu` (Diffuser with an endpoint
# condition, Decision Diffuser with guidance and warm starts) and `trajdiff pde evaluate|generate|estimate --device gpu` (a WDNO
# 2-D U-Net) and `trajdiff geometry forecast|evaluate --device gpu` (an EGTN) against the CPU runs, and the sample timings' code on a tiny planner.
(cd cmd/trajdiff && TRAJDIFF_GPU_TIMINGS=smoke LD_LIBRARY_PATH="$tmp/emu" "$tmp/cmd.test" -test.count=1 -test.run '^(TestSolve|TestSample|TestPlanEvaluateGPU|TestPDE(Evaluate|Generate|Estimate)GPU|TestGeometryGPU|TestInverseGPU)')
