#!/usr/bin/python3
"""Interleaved timing of one training step (forward, backward, Adam) in Go and in PyTorch.

Builds nn's test binary twice (default pure-Go build and -tags openblas), then for several rounds runs,
for each network, the Go benchmark of both builds and scripts/nn/bench_torch.py at 1 and 2 threads, one
after the other, and prints the medians over rounds as a markdown table with the load average at the
start and end. The machine is shared, so only medians of interleaved runs are comparable.

Usage: /usr/bin/python3 scripts/nn/bench.py [rounds] [steps] [net...]     (from the repository root)

The nets default to mlp, convblock, unet and transformer; egtn and egtn_small (GeoTDM's EGTN, one training
step at batch 32) and egtn_infer and egtn_small_infer (one network evaluation at batch 128, Go's
BenchmarkPredictEGTN) are timed when named, as are unet2d-wdno-small (WDNO's 2-D U-Net, batch 16) and
unet3d-smoke-small and unet3d-smoke-small-d16 (WDNO's video U-Net at dim 8 and 16, batch 4).
"""
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NETS = ["mlp", "convblock", "unet", "transformer"]


def go_bench(net):
    """The Go benchmark of a net: a training step, or for <net>_infer one evaluation (BenchmarkPredictEGTN)."""
    if net.endswith("_infer"):
        return "PredictEGTN/%s$" % net[:-len("_infer")]
    return "TrainStep/%s$" % net


def build():
    env = dict(os.environ)
    subprocess.run(["go", "test", "-c", "-o", "/tmp/nn.bench.go", "./nn"], cwd=ROOT, check=True)
    env["CGO_LDFLAGS"] = "-lopenblas"
    subprocess.run(["go", "test", "-c", "-tags", "openblas", "-o", "/tmp/nn.bench.openblas", "./nn"], cwd=ROOT,
                   check=True, env=env)


def go_step(binary, net, steps):
    out = subprocess.run([binary, "-test.run", "^$", "-test.bench", go_bench(net),
                          "-test.benchtime", "%dx" % steps], cwd=os.path.join(ROOT, "nn"), check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"\s([0-9.]+) ns/op", out)
    return float(m.group(1)) / 1e6


def torch_step(net, threads, steps):
    out = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "nn", "bench_torch.py"), net,
                          str(threads), str(steps)], check=True, capture_output=True, text=True).stdout
    return float(out.split()[3])


def load():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    nets = sys.argv[3:] or NETS
    build()
    res = {n: {k: [] for k in ("go", "openblas", "torch1", "torch2")} for n in nets}
    start = load()
    for r in range(rounds):
        for n in nets:
            res[n]["go"].append(go_step("/tmp/nn.bench.go", n, steps))
            res[n]["torch1"].append(torch_step(n, 1, steps))
            res[n]["openblas"].append(go_step("/tmp/nn.bench.openblas", n, steps))
            res[n]["torch2"].append(torch_step(n, 2, steps))
        print("round %d done, load %s" % (r + 1, load()), file=sys.stderr)
    end = load()
    print("Median of %d interleaved rounds, %d steps each (ms per step); load average %s at the start, %s at the end.\n"
          % (rounds, steps, start, end))
    print("| step | PyTorch 1 thread | PyTorch 2 threads | trajdiff (pure Go) | trajdiff (OpenBLAS) | pure Go / best PyTorch |")
    print("|---|---|---|---|---|---|")
    for n in nets:
        med = {k: statistics.median(v) for k, v in res[n].items()}
        best = min(med["torch1"], med["torch2"])
        print("| %s | %.1f | %.1f | %.1f | %.1f | %.2f |" % (n, med["torch1"], med["torch2"], med["go"], med["openblas"],
                                                        med["go"] / best))
    print("\nAll runs (ms):")
    for n in nets:
        print("- %s: %s" % (n, "; ".join("%s %s" % (k, " ".join("%.1f" % x for x in v)) for k, v in res[n].items())))


if __name__ == "__main__":
    main()
