#!/usr/bin/python3
"""Times one PyTorch CPU training step (forward, backward, Adam) of the networks benchmarked by
nn's BenchmarkTrainStep, on identical shapes.

Usage: /usr/bin/python3 scripts/nn/bench_torch.py NAME THREADS [STEPS]
NAME is mlp, convblock, unet or transformer; prints one line "torch NAME THREADS <median ms per step> <min ms>".
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
    elif name == "convblock":
        m = nn.Sequential(models.Conv1dBlock(32, 64, 5, 8), models.Conv1dBlock(64, 64, 5, 8))
        B = 64

        def step_inputs():
            return (torch.randn(B, 32, 64),)
    else:
        raise SystemExit("unknown benchmark " + name)
    return m, step_inputs


def main():
    name, threads = sys.argv[1], int(sys.argv[2])
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    torch.set_num_threads(threads)
    m, step_inputs = build(name)
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
