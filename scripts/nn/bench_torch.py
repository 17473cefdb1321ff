#!/usr/bin/python3
"""Times one PyTorch CPU training step (forward, backward, Adam) of the networks benchmarked by
nn's BenchmarkTrainStep, on identical shapes.

Usage: /usr/bin/python3 scripts/nn/bench_torch.py NAME THREADS [STEPS]
NAME is mlp, convblock, unet, transformer, egtn or egtn_small (one training step, batch 32),
unet2d-wdno-small (WDNO's 2-D U-Net: 9 channels of 24x32, dim 16, mults 1, 2, 4, batch 16),
unet3d-smoke-small and unet3d-smoke-small-d16 (WDNO's video U-Net: 42 channels of 18 frames of 20x20, dim 8
or 16, mults 1, 2, 4, GroupNorm(4), 2 heads of 8 in time, 3x3x3 initial convolution, batch 4), or
egtn_infer / egtn_small_infer (one forward pass without gradients, batch 128); prints one line "torch NAME THREADS <median ms per step> <min ms>".
"""
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def build(name):
    torch.manual_seed(1)
    if name == "mlp":
        m = models.MLP(64, [512, 512, 512], 32)
        B, shape = 256, (64,)

        def step_inputs():
            return (torch.randn(B, *shape), torch.randint(0, 100, (B,)).float())
    elif name == "unet":
        m = models.TemporalUnet(64, 6, dim=32, dim_mults=(1, 2, 4, 8))
        B, shape = 32, (64, 6)

        def step_inputs():
            return (torch.randn(B, *shape), torch.randint(0, 100, (B,)).float())
    elif name == "transformer":
        m = models.Transformer(64, 6, 128, 4, 4)
        B, shape = 32, (64, 6)

        def step_inputs():
            return (torch.randn(B, *shape), torch.randint(0, 100, (B,)).float())
    elif name == "unet2d-wdno-small":
        m = models.Unet2D(9, 16, (1, 2, 4), groups=1, heads=4, dim_head=32)
        B, shape = 16, (9, 24, 32)

        def step_inputs():
            return (torch.randn(B, *shape), torch.randint(0, 1000, (B,)).float())
    elif name.startswith("unet3d-smoke-small"):
        dim = 16 if name.endswith("-d16") else 8
        m = models.Unet3D(42, dim, (1, 2, 4), groups=4, heads=2, dim_head=8, init_kernel=3)
        B, shape = 4, (42, 18, 20, 20)

        def step_inputs():
            return (torch.randn(B, *shape), torch.randint(0, 1000, (B,)).float())
    elif name == "convblock":
        m = nn.Sequential(models.Conv1dBlock(32, 64, 5, 8), models.Conv1dBlock(64, 64, 5, 8))
        B = 64

        def step_inputs():
            return (torch.randn(B, 32, 64),)
    elif name.split("_infer")[0] in EGTN_SIZES:
        H, L, P = EGTN_SIZES[name.split("_infer")[0]]
        m = models.EGTN(5, 3, range(10), range(10, 30), H, L, node_features=1, edge_features=1, prior="learned",
                        prior_layers=P)
        B = 128 if name.endswith("_infer") else 32

        def step_inputs():
            return (torch.randn(B, 20, 5, 3), torch.rand(B), torch.randn(B, 10 * 5 * 3 + 5 + 20), torch.ones(B))
    else:
        raise SystemExit("unknown benchmark " + name)
    return m, step_inputs


# GeoTDM's EGTN on charged N-body, frames 0..9 -> 10..29 (nn/bench_test.go): hidden, layers, prior layers.
EGTN_SIZES = {"egtn": (128, 6, 2), "egtn_small": (32, 3, 1)}


def main():
    name, threads = sys.argv[1], int(sys.argv[2])
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    torch.set_num_threads(threads)
    m, step_inputs = build(name)
    if name.endswith("_infer"):  # one network evaluation without gradients (nn's BenchmarkPredictEGTN)
        inputs = step_inputs()
        with torch.no_grad():
            m(*inputs)  # one warm-up evaluation (Go's benchmark makes one too)
            times = []
            for _ in range(steps):
                t0 = time.perf_counter()
                m(*inputs)
                times.append(time.perf_counter() - t0)
        times.sort()
        print("torch %s %d %.3f %.3f" % (name, threads, 1e3 * times[len(times) // 2], 1e3 * times[0]))
        return
    opt = torch.optim.Adam(m.parameters(), lr=1e-4)
    inputs = step_inputs()
    with torch.no_grad():
        target = m(*inputs)
    target = torch.randn_like(target)
    w = torch.ones(target.shape[0])

    def step():
        opt.zero_grad(set_to_none=False)
        loss = models.weighted_mse(m(*inputs), target, w)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    print("torch %s %d %.3f %.3f" % (name, threads, 1e3 * times[len(times) // 2], 1e3 * times[0]))


if __name__ == "__main__":
    main()
