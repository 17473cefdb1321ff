#!/usr/bin/env bash
# The GPU check of package gpu, for a machine with an NVIDIA GPU (sm_80 or later) and its driver, and no Go
# toolchain: it runs the test binaries built beforehand on a development machine with
#
#	go test -c -tags cuda -o gpu/gpu.test ./gpu
#	go test -c -tags trajdiff_cuda -ldflags=-s -o gpu/cmd.test ./cmd/trajdiff && gzip -f gpu/cmd.test
#	                                            (optional: the CLI's solve and sample --device gpu)
#	go test -c -tags trajdiff_cuda -ldflags=-s -o gpu/fromnn.test ./gpu/fromnn && gzip -f gpu/fromnn.test
#	                                            (optional: trained nn networks on the device)
#
# (needs cuda.h and the libcuda.so stub; docs/benchmarks.md, section GPU) and prints
#   1. every test of the package: the host tests, then the device tests: noise, combine (scalar and
#      per-dimension), elementwise, stats, GEMM and the mixture kernel against host references, the network
#      layers (Linear, Conv1d, ConvTranspose1d, GroupNorm; the 2-D U-Net's Conv2d, layouts, channel LayerNorm,
#      time modulation, linear and full attention; the 3-D U-Net's Conv3d, per-frame ConvTranspose2d, frame/position
#      swap, rotary embedding and attention with a relative position bias; EGTN's graph and temporal layers)
#      against host references, and every solver
#      on the 64-D mixture on the GPU (launches and CUDA graphs; DPM-Solver-v3 of orders 1-3 included, its
#      statistics estimated on the host at the start) against the float64 CPU executor;
#   2. the timings (TestGPUTimings): kernel bandwidth next to a device copy, GEMM TFLOP/s against the card's
#      peak, sampler steps per second for 1e5..1e7 values next to the CPU executor, per-step overhead with and
#      without graph capture, and EGTN's layer kernels (BenchmarkGPUEGTNLayers, rows per second);
#   1b. with cmd.test: `trajdiff solve --device gpu`, `trajdiff sample --device gpu` (a trained planner-shaped
#      checkpoint), `trajdiff plan evaluate --device gpu` (Diffuser with its search and projection, Decision
#      Diffuser, Trajectory Diffuser), `trajdiff pde evaluate|generate|estimate --device gpu` (WDNO U-Nets,
#      guidance, the search by control cost, the estimation methods), `trajdiff geometry
#      forecast|evaluate|generate --device gpu` (EGTNs; a diverged system isolated as on the CPU) and `trajdiff
#      inverse --device gpu` against the CPU runs,
#      then the wall time of whole `trajdiff sample` commands for the
#      quickstart-sized maze2d planner (horizon 128, dim 16, 20 DPM-Solver++(2M) steps) at 1, 32 and 1024 plans
#      on the GPU next to the CPU (TestSampleGPUTimings, about 1 to 2 minutes, mostly the CPU at 1024);
#   2b. with fromnn.test: nn MLPs on the device (gpu/fromnn) against nn's CPU predictor (random and trained
#      networks, FP32, TF32 and BF16; per-window conditions and classifier-free guidance), TemporalUnets and 1-D DiTs
#      (transformer: attention, adaLN) and EGTNs (every prior; a trained one's sampler; equivariance) likewise,
#      a trained checkpoint's
#      10-NFE samplers against the CPU with graph replay, trained models' requests with per-window conditions,
#      guidance and warm starts against Model.Sample, the
#      network timings (forward latency and TFLOP/s, sampler plans per second at batch 1, 32, 1024, next to
#      nn's CPU predictor and diffusion.Sample in the same run; the TemporalUnet's forward latency in FP32, in
#      TF32 and in BF16, its convolutions on the tensor cores, tile_tf32.cuh and tile_bf16.cuh; TestGPUTransformerTimings the same for the
#      1-D DiT with its TFLOP/s), nn's 2-D U-Net (WDNO's) layer by layer and whole against nn, a trained one's
#      sampler against the CPU, the Sampler's reuse across requests, nn's 3-D U-Net (WDNO's smoke denoiser)
#      whole against nn and a trained one's sampler against the CPU, and the CPU (and device) benchmarks of the
#      same workloads (TemporalUnetForward: windows per second, FP32, TF32 and BF16; Unet2DForward: images per
#      second; Unet3DForward: videos per second, each also as ...GPUTF32 and ...GPUBF16; EGTNForward: examples per second at
#      GeoTDM's charged size);
#   3. compute-sanitizer memcheck and racecheck on the small device tests, when the image has it.
# About 3 minutes (5 with cmd.test) plus up to 5 for the sanitizer: give the device call timeout_s 600.
# The exit status is non-zero if any test fails. The full log goes to $OUT/gpu-check.log (or $TMPDIR).
set -uo pipefail
cd "$(dirname "$0")" # the tests read kernels/*.cu relative to the package directory
bin=./gpu.test
if [ ! -x "$bin" ]; then
	echo "gpu/check.sh: $bin is missing; build it first: go test -c -tags cuda -o gpu/gpu.test ./gpu" >&2
	exit 2
fi
log="${OUT:-${TMPDIR:-/tmp}}/gpu-check.log"
: >"$log"
say() { echo "$@" | tee -a "$log"; }
say "== machine"
{ uname -srm; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv 2>&1 || true; } | tee -a "$log"
say "== libraries the binary loads"
ldd "$bin" 2>&1 | tee -a "$log"
say "== tests (host and device)"
start=$(date +%s)
"$bin" -test.v -test.count=1 -test.timeout=6m -test.skip '^TestGPUTimings$' 2>&1 | tee -a "$log"
tests=${PIPESTATUS[0]}
# The CLI's test binary built with -tags trajdiff_cuda, when it was carried too (gzipped: it is 56 MB stripped,
# and a device call carries 64 MiB): `trajdiff solve --device gpu` against the CPU.
cli=0
if [ -f ./cmd.test.gz ]; then
	gunzip -c ./cmd.test.gz >./cmd.test && chmod +x ./cmd.test
fi
if [ -x ./cmd.test ]; then
	say "== CLI: trajdiff solve and sample --device gpu against the CPU, and sample's timings"
	(cd ../cmd/trajdiff && TRAJDIFF_GPU_TIMINGS=${TRAJDIFF_GPU_TIMINGS:-1} ../../gpu/cmd.test -test.v -test.count=1 -test.timeout=5m -test.run '^(TestSolve|TestSample|TestPlanEvaluateGPU|TestPDE(Evaluate|Generate|Estimate)GPU|TestGeometryGPU|TestInverseGPU)') 2>&1 | tee -a "$log"
	cli=${PIPESTATUS[0]}
fi
# Trained networks (gpu/fromnn), when its test binary was carried (gzipped, as cmd.test).
nets=0
if [ -f ./fromnn.test.gz ]; then
	gunzip -c ./fromnn.test.gz >./fromnn.test && chmod +x ./fromnn.test
fi
if [ -x ./fromnn.test ]; then
	say "== networks: nn MLPs on the device against the CPU, and their timings"
	(cd fromnn && TRAJDIFF_GPU_TIMINGS=${TRAJDIFF_GPU_TIMINGS:-1} ../fromnn.test -test.v -test.count=1 -test.timeout=4m -test.run '^TestGPU') 2>&1 | tee -a "$log"
	nets=${PIPESTATUS[0]}
	say "== networks: CPU reference benchmarks on this machine"
	(cd fromnn && ../fromnn.test -test.run '^$' -test.bench '^Benchmark(MLP|GuidedSample|Transformer|TemporalUnetForward|Unet2DForward|Unet3DForward|EGTNForward)' -test.benchtime 3x) 2>&1 | tee -a "$log"
fi
say "== timings ($(($(date +%s) - start)) s so far)"
TRAJDIFF_GPU_TIMINGS=${TRAJDIFF_GPU_TIMINGS:-1} "$bin" -test.count=1 -test.timeout=4m -test.run '^TestGPUTimings$' 2>&1 | grep -v '^\s*timing_cuda_test.go' | tee -a "$log"
timings=${PIPESTATUS[0]}
say "== EGTN's layer kernels at GeoTDM's N-body size (rows per second)"
"$bin" -test.run '^$' -test.bench '^BenchmarkGPUEGTNLayers$' -test.benchtime 20x 2>&1 | tee -a "$log"
# compute-sanitizer (in the GPU image, not on the development machine) checks what the CPU emulation
# (gpu/cudaemu) cannot: out-of-bounds and misaligned accesses as the real code generator emitted them
# (memcheck) and shared-memory races under the real schedule (racecheck), on the kernels of the small tests.
# Bounded in time; its verdict is reported, and a finding fails the check.
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1 || true)
sanitized=0
if [ -n "$sanitizer" ]; then
	for tool in memcheck racecheck; do
		say "== compute-sanitizer --tool $tool ($(($(date +%s) - start)) s so far)"
		timeout 150 "$sanitizer" --tool "$tool" --error-exitcode 3 "$bin" -test.count=1 \
			-test.run '^TestGPU(Combine|CombineDim|Elementwise|Stats|Gemm|NoiseMatchesPhilox|InpaintClipAndSeeds|NetworkForwardMatchesHost|Conv1dMatchesHost|ConvTranspose1dMatchesHost|TF32TileMatchesRoundedReference|BF16TileMatchesRoundedReference|GroupNormActMatchesHost|BiasActGroupsRows|LayerNormModulateMatchesHost|GatedAddMatchesHost|AttentionMatchesHost|TokenEmbedMatchesHost|Conv2dMatchesHost|ImageLayoutsMoveEveryValue|LayerNormRowsAndModulationMatchHost|LinearAttentionMatchesHost|Conv3dMatchesHost|ConvTranspose2dMatchesHost|SwapMidMovesEveryValue|RotaryTurnsQueriesAndKeys|BiasedAttentionMatchesHost|EGTNSpatialKernelsMatchHost|EGTNTemporalKernelsMatchHost|EGTNKernelsAreEquivariant|EGTNPriorKernelsMatchHost|NonFiniteExampleFailsAlone)$' 2>&1 | tee -a "$log" | tail -25
		rc=${PIPESTATUS[0]}
		case "$rc" in
		0) say "$tool: no errors" ;;
		3) say "$tool: ERRORS FOUND (above and in the log)"; sanitized=1 ;;
		1) say "$tool: a test failed under the sanitizer"; sanitized=1 ;;
		124) say "$tool: stopped after 150 s (not a finding)" ;;
		*) say "$tool: compute-sanitizer could not run (exit $rc; not a finding)" ;;
		esac
	done
else
	say "== compute-sanitizer not found; skipped"
fi
say "== done in $(($(date +%s) - start)) s: tests exit $tests, CLI exit $cli, networks exit $nets, timings exit $timings, sanitizer $sanitized (log: $log)"
grep -E '^(--- FAIL|FAIL|panic)' "$log" | head -20
[ "$tests" -eq 0 ] && [ "$cli" -eq 0 ] && [ "$nets" -eq 0 ] && [ "$timings" -eq 0 ] && [ "$sanitized" -eq 0 ]
