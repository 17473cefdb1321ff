#!/usr/bin/env bash
# Times the wavelet package and PyWavelets on the same shapes in the same run, alternating them for
# several rounds so that load on a shared machine hits both alike. Prints per benchmark the minimum
# and median in milliseconds (Go: over every -count sample of 10 iterations; PyWavelets: minimum of the
# per-round minima and median of the per-round medians of 10 calls).
#
#   scripts/wavelet/bench.sh [rounds]    (default 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c -o "$out/wavelet.test" ./wavelet
for r in $(seq "$rounds"); do
	"$out/wavelet.test" -test.run '^$' -test.bench . -test.benchtime 10x -test.count 3 -test.cpu 1,2 \
		| grep '^Benchmark' >>"$out/go.txt"
	/usr/bin/python3 scripts/wavelet/bench_pywt.py --repeat 10 >>"$out/py.txt"
done
echo "== trajdiff wavelet ($(go version | awk '{print $3}'), $(nproc) CPUs, $(date -u +%Y-%m-%d))"
/usr/bin/python3 - "$out/go.txt" "$out/py.txt" <<'PY'
import statistics, sys
go, py = {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    go.setdefault(f[0][len("Benchmark"):], []).append(float(f[2]) / 1e6)
for k in sorted(go):
    v = go[k]
    print("%-36s min %8.2f ms   median %8.2f ms   (n=%d)" % (k, min(v), statistics.median(v), len(v)))
head = None
for line in open(sys.argv[2]):
    if " ms " not in line:
        head = head or line.strip()
        continue
    name, rest = line.split(" median ")
    med, best = float(rest.split()[0]), float(rest.split()[3])
    py.setdefault(name.strip(), []).append((best, med))
print("== %s (single-threaded)" % head)
for k in py:
    print("%-36s min %8.2f ms   median %8.2f ms   (rounds=%d)" % (
        k, min(b for b, _ in py[k]), statistics.median(m for _, m in py[k]), len(py[k])))
PY
