#!/usr/bin/python3
"""Writes the PyTorch reference vectors of trajdiff's nn package (nn/testdata/parity).

For every network (and a set of single layers) it builds the PyTorch twin from models.py, draws random
weights and inputs with a fixed seed, evaluates the output and the weighted MSE loss
mean_b w_b ||out_b - target_b||^2 / D, back-propagates, and writes
  <case>.weights.safetensors  the state_dict (the checkpoint format nn.Params.Load reads), and
  <case>.io.safetensors       in.* inputs, out.y, out.loss, grad.<param> gradients (and, for the MLPs,
                              adam.<param>: the weights after one torch.optim.Adam(lr=1e-3) step),
with the Go-side configuration as JSON in the metadata. Channels-last layouts are used on the Go side;
tensors are stored in that layout.

Usage: /usr/bin/python3 scripts/nn/parity.py [outdir]          (default nn/testdata/parity)
       /usr/bin/python3 scripts/nn/parity.py --only egtn [outdir] (only the EGTN cases; likewise networks,
       unet2d, unet3d, unet_nearest, layers, regressor, seq_regressor, temporal_value)
       /usr/bin/python3 scripts/nn/parity.py --check FILE      (parse a Go-written safetensors file)
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import safetensors_py as st  # noqa: E402


def npy(t):
    return t.detach().cpu().numpy().astype(np.float32)


def randomize(model, scale=0.2):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("block.2.weight"):  # GroupNorm scale near 1
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(scale * torch.randn_like(p))


def save_case(out, name, model, spec, inputs, y, loss, extra=None):
    weights = {k: npy(v) for k, v in model.state_dict().items()}
    st.write(os.path.join(out, name + ".weights.safetensors"), weights, {"spec": json.dumps(spec)})
    io = {"in." + k: npy(v) for k, v in inputs.items()}
    io["out.y"] = npy(y)
    io["out.loss"] = np.array([loss.item()], dtype=np.float32)
    for k, p in model.named_parameters():
        io["grad." + k] = npy(p.grad)
    if extra:
        io.update(extra)
    st.write(os.path.join(out, name + ".io.safetensors"), io, {"spec": json.dumps(spec)})


def net_case(out, name, model, spec, B, shape, cond_dim=0, keep=None, tscale=1.0, init=None):
    randomize(model)
    if init:
        init(model)
    x = torch.randn(B, *shape)
    t = tscale * torch.rand(B)
    target = torch.randn(B, *shape)
    w = 0.5 + torch.rand(B)
    inputs = {"x": x, "t": t, "target": target, "weight": w}
    if cond_dim:
        cond = torch.randn(B, cond_dim)
        keep = torch.tensor(keep, dtype=torch.float32)
        inputs.update(cond=cond, keep=keep)
        y = model(x, t, cond, keep)
    else:
        y = model(x, t)
    loss = models.weighted_mse(y, target, w)
    model.zero_grad()
    loss.backward()
    save_case(out, name, model, spec, inputs, y, loss)


def unet_nearest_networks(out):
    """Diffuser's temporal U-Net with the resize-convolution upsampler (nearest doubling, Conv1d(3))."""
    torch.manual_seed(13)
    m = models.TemporalUnet(16, 6, dim=8, dim_mults=(1, 2, 4), kernel=5, groups=4, cond_dim=8, upsample="nearest")
    spec = {"arch": "temporal_unet", "temporal_unet": {"horizon": 16, "transition": 6, "dim": 8, "dim_mults": [1, 2, 4],
                                                       "kernel": 5, "groups": 4, "cond_dim": 8, "upsample": "nearest"}}
    net_case(out, "unet_nearest", m, spec, 3, (16, 6), cond_dim=8, keep=[1, 1, 0], tscale=1)


def networks(out):
    torch.manual_seed(1)
    m = models.MLP(4, [32, 32, 32], 16)
    spec = {"arch": "mlp", "mlp": {"dim": 4, "hidden": [32, 32, 32], "time_dim": 16}}
    adam_case(out, "mlp", m, spec, 5, (4,), tscale=100)

    torch.manual_seed(2)
    m = models.MLP(5, [16, 16], 8, cond_dim=3, fourier=True, act=nn.SiLU)
    spec = {"arch": "mlp", "mlp": {"dim": 5, "cond_dim": 3, "hidden": [16, 16], "time_dim": 8,
                                   "time_embedding": "fourier", "act": "silu"}}
    adam_case(out, "mlp_cond", m, spec, 4, (5,), cond_dim=3, keep=[1, 0, 1, 1], tscale=2)

    torch.manual_seed(3)
    m = models.TemporalUnet(16, 3, dim=8, dim_mults=(1, 2, 4, 8))
    spec = {"arch": "temporal_unet", "temporal_unet": {"horizon": 16, "transition": 3, "dim": 8, "dim_mults": [1, 2, 4, 8]}}
    net_case(out, "unet", m, spec, 2, (16, 3), tscale=100)

    torch.manual_seed(4)
    m = models.TemporalUnet(8, 4, dim=8, dim_mults=(1, 2, 4), kernel=5, groups=4, cond_dim=2)
    spec = {"arch": "temporal_unet", "temporal_unet": {"horizon": 8, "transition": 4, "dim": 8, "dim_mults": [1, 2, 4],
                                                       "kernel": 5, "groups": 4, "cond_dim": 2}}
    net_case(out, "unet_cond", m, spec, 3, (8, 4), cond_dim=2, keep=[1, 0, 1], tscale=50)

    torch.manual_seed(5)
    m = models.Transformer(6, 3, 16, 2, 4, cond_dim=2, causal=True)
    spec = {"arch": "transformer", "transformer": {"length": 6, "channels": 3, "width": 16, "depth": 2, "heads": 4,
                                                   "cond_dim": 2, "causal": True}}
    net_case(out, "transformer", m, spec, 3, (6, 3), cond_dim=2, keep=[0, 1, 1], tscale=10)

    torch.manual_seed(6)
    m = models.Transformer(5, 2, 8, 1, 2, ratio=2.0, time_dim=6, fourier=True)
    spec = {"arch": "transformer", "transformer": {"length": 5, "channels": 2, "width": 8, "depth": 1, "heads": 2,
                                                   "mlp_ratio": 2.0, "time_dim": 6, "time_embedding": "fourier"}}
    net_case(out, "transformer_fourier", m, spec, 2, (5, 2), tscale=2)


def adam_case(out, name, model, spec, B, shape, cond_dim=0, keep=None, tscale=1.0, init=None):
    """Like net_case, plus the weights after one Adam step (the weights file holds the weights before)."""
    randomize(model)
    if init:
        init(model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x, t = torch.randn(B, *shape), tscale * torch.rand(B)
    target, w = torch.randn(B, *shape), 0.5 + torch.rand(B)
    inputs = {"x": x, "t": t, "target": target, "weight": w}
    args = (x, t)
    if cond_dim:
        cond, kp = torch.randn(B, cond_dim), torch.tensor(keep, dtype=torch.float32)
        inputs.update(cond=cond, keep=kp)
        args = (x, t, cond, kp)
    y = model(*args)
    loss = models.weighted_mse(y, target, w)
    model.zero_grad()
    loss.backward()
    grads = {k: p.grad.clone() for k, p in model.named_parameters()}
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    opt.step()
    extra = {"adam." + k: npy(p) for k, p in model.named_parameters()}
    model.load_state_dict(before)
    for k, p in model.named_parameters():
        p.grad = grads[k]
    save_case(out, name, model, spec, inputs, y, loss, extra)


def regressor_networks(out):
    """The regressor (nn/regressor.go): DD's inverse-dynamics MLP at a small width with ReLU, and one with
    three hidden layers and GELU; loss torch.nn.functional.mse_loss (the mean over batch and outputs), the
    gradients, and one torch.optim.Adam(lr=1e-3) step. Inputs straddle 0 so that ReLU's kink is exercised."""
    cases = [
        ("regressor", {"in": 8, "out": 2, "hidden": [32, 32]}, nn.ReLU, 6),
        ("regressor_gelu", {"in": 5, "out": 3, "hidden": [16, 8, 16], "activation": "gelu"}, nn.GELU, 4),
    ]
    for seed, (name, cfg, act, B) in enumerate(cases, 60):
        torch.manual_seed(seed)
        m = models.Regressor(cfg["in"], cfg["out"], cfg["hidden"], act=act)  # PyTorch's default init
        before = {k: v.clone() for k, v in m.state_dict().items()}
        x, target = torch.randn(B, cfg["in"]), torch.randn(B, cfg["out"])
        y = m(x)
        loss = torch.nn.functional.mse_loss(y, target)
        m.zero_grad()
        loss.backward()
        grads = {k: p.grad.clone() for k, p in m.named_parameters()}
        torch.optim.Adam(m.parameters(), lr=1e-3).step()
        extra = {"adam." + k: npy(p) for k, p in m.named_parameters()}
        m.load_state_dict(before)
        for k, p in m.named_parameters():
            p.grad = grads[k]
        save_case(out, name, m, {"arch": "regressor", "regressor": cfg}, {"x": x, "target": target}, y, loss, extra)


def seq_regressor_networks(out):
    """The sequence regressor (nn/seq_regressor.go): a draft-model shape (8 tokens of (state, RTG), 5 values)
    without and with the causal mask, random weights (LayerNorm scales near 1), F.mse_loss and gradients."""
    cases = [
        ("seq_regressor", {"tokens": 4, "token_dim": 5, "out": 5, "width": 16, "depth": 2, "heads": 4, "ff": 24}, 5),
        ("seq_regressor_causal", {"tokens": 3, "token_dim": 2, "out": 3, "width": 8, "depth": 1, "heads": 2,
                                  "causal": True}, 4),
    ]
    for seed, (name, cfg, B) in enumerate(cases, 70):
        torch.manual_seed(seed)
        m = models.SeqRegressor(cfg["tokens"], cfg["token_dim"], cfg["out"], cfg["width"], cfg["depth"],
                                cfg["heads"], cfg.get("ff"), cfg.get("causal", False))
        with torch.no_grad():
            for k, p in m.named_parameters():
                if "norm" in k and k.endswith("weight"):
                    p.copy_(1 + 0.1 * torch.randn_like(p))
                else:
                    p.copy_(0.3 * torch.randn_like(p))
        x, target = torch.randn(B, cfg["tokens"] * cfg["token_dim"]), torch.randn(B, cfg["out"])
        y = m(x)
        loss = torch.nn.functional.mse_loss(y, target)
        m.zero_grad()
        loss.backward()
        save_case(out, name, m, {"arch": "seq_regressor", "seq_regressor": cfg}, {"x": x, "target": target}, y, loss)


def temporal_value_networks(out):
    """Diffuser's value model (nn/temporal_value.go, models.TemporalValue) as a regressor over [window | t]:
    an odd intermediate length and a final length of 2 (the channel-major flatten matters), and a kernel-3,
    two-output case of final length 1; random weights (GroupNorm scales near 1), t in [0, 1), F.mse_loss and
    the gradients, plus the input gradient d/dx sum_b sum_o w_o y_bo (value guidance) as ingrad.x."""
    cases = [
        ("temporal_value", {"horizon": 24, "transition": 3, "dim": 8, "dim_mults": [1, 2], "groups": 4}, 5),
        ("temporal_value_k3", {"horizon": 16, "transition": 4, "dim": 8, "dim_mults": [1, 2, 4], "kernel": 3, "groups": 4,
                               "out": 2}, 3),
    ]
    for seed, (name, cfg, B) in enumerate(cases, 80):
        torch.manual_seed(seed)
        m = models.TemporalValue(cfg["horizon"], cfg["transition"], cfg["dim"], cfg["dim_mults"], cfg.get("kernel", 5),
                                 cfg["groups"], cfg.get("out", 1))
        randomize(m)
        n_in, n_out = cfg["horizon"] * cfg["transition"] + 1, cfg.get("out", 1)
        x = torch.randn(B, n_in)
        x[:, -1] = torch.rand(B)
        target, w = torch.randn(B, n_out), torch.randn(n_out)
        xg = x.clone().requires_grad_(True)
        (m(xg) * w).sum().backward()
        extra = {"in.w": npy(w), "ingrad.x": npy(xg.grad)}
        m.zero_grad()
        y = m(x)
        loss = torch.nn.functional.mse_loss(y, target)
        loss.backward()
        save_case(out, name, m, {"arch": "temporal_value", "temporal_value": cfg}, {"x": x, "target": target}, y, loss, extra)


def egtn_networks(out):
    """EGTN (nn/egtn.go) with the learned prior, the centre-of-mass prior and unconditional (zero CoM).

    The twin's alpha(t) is exp(-t), the signal coefficient nn's tests give the Go network (UseSignal).
    """
    def spec_of(cfg):
        return {"arch": "egtn", "egtn": cfg}

    def build(cfg):
        return models.EGTN(cfg["nodes"], cfg["spatial_dim"], cfg.get("cond_frames", []), cfg["target_frames"],
                           cfg["hidden"], cfg["layers"], node_features=cfg.get("node_features", 0),
                           edge_features=cfg.get("edge_features", 0), time_dim=cfg.get("time_dim", 32),
                           time_scale=cfg.get("time_scale", 1000.0), prior=cfg.get("prior"),
                           prior_layers=cfg.get("prior_layers", 2))

    def gamma_near_one(m):
        with torch.no_grad():
            m.ws.copy_(1 + 0.3 * torch.randn_like(m.ws))

    def cond_dim(cfg):
        N = cfg["nodes"]
        return (len(cfg.get("cond_frames", [])) * N * cfg["spatial_dim"] + N * cfg.get("node_features", 0)
                + N * (N - 1) * cfg.get("edge_features", 0))

    cases = [
        ("egtn", {"nodes": 4, "spatial_dim": 3, "cond_frames": [0, 1, 2, 3], "target_frames": [4, 5, 6, 7, 8, 9],
                  "node_features": 1, "edge_features": 1, "hidden": 12, "layers": 2, "time_dim": 8,
                  "time_scale": 100, "prior": "learned", "prior_layers": 2}, 3, gamma_near_one),
        ("egtn_com", {"nodes": 5, "spatial_dim": 2, "cond_frames": [0, 1, 5, 6], "target_frames": [2, 3, 4],
                      "edge_features": 1, "hidden": 8, "layers": 2, "time_dim": 6, "prior": "com"}, 2, None),
        ("egtn_uncond", {"nodes": 4, "spatial_dim": 3, "target_frames": [0, 1, 2, 3, 4, 5, 6, 7],
                         "node_features": 1, "hidden": 10, "layers": 2, "time_dim": 8, "time_scale": 100,
                         "prior": "none"}, 3, None),
    ]
    for seed, (name, cfg, B, init) in enumerate(cases, 20):
        torch.manual_seed(seed)
        m = build(cfg)
        shape = (len(cfg["target_frames"]), cfg["nodes"], cfg["spatial_dim"])
        adam_case(out, name, m, spec_of(cfg), B, shape, cond_dim=cond_dim(cfg), keep=[1] * B, tscale=2, init=init)


def unet2d_networks(out):
    """WDNO's 2-D U-Net (nn/unet2d.go) on channels-first images: a full tiny configuration, and one without
    linear attention, with a 3x3 initial convolution and three resolutions."""
    def init(m):
        with torch.no_grad():
            for name, p in m.named_parameters():
                near_one = name.endswith(".norm.weight") or name.endswith(".g")  # GroupNorm and LayerNorm gains
                p.copy_((1 if near_one else 0) + (0.1 if near_one else 0.2) * torch.randn_like(p))

    cases = [
        ("unet2d", {"height": 8, "width": 16, "channels": 3, "dim": 8, "dim_mults": [1, 2], "groups": 2,
                    "attn_heads": 2, "attn_dim_head": 4}, 2),
        ("unet2d_plain", {"height": 8, "width": 8, "channels": 2, "dim": 4, "dim_mults": [1, 2, 2],
                          "attn_heads": 1, "attn_dim_head": 8, "linear_attention": False, "init_kernel": 3}, 2),
    ]
    for seed, (name, cfg, B) in enumerate(cases, 40):
        torch.manual_seed(seed)
        m = models.Unet2D(cfg["channels"], cfg["dim"], cfg["dim_mults"], groups=cfg.get("groups", 1),
                          heads=cfg["attn_heads"], dim_head=cfg["attn_dim_head"],
                          linear_attention=cfg.get("linear_attention", True), init_kernel=cfg.get("init_kernel", 7))
        shape = (cfg["channels"], cfg["height"], cfg["width"])
        net_case(out, name, m, {"arch": "unet2d", "unet2d": cfg}, B, shape, tscale=100, init=init)


def unet3d_networks(out):
    """WDNO's video U-Net (nn/unet3d.go) on [B, C, F, H, W]: a tiny configuration with 3x3x3 initial
    convolution and narrow spatial heads, and one with the reference's 7x7x7 initial convolution, 32-wide
    spatial heads, three resolutions and enough frames (12) for logarithmic relative-position buckets."""
    def init(m):
        with torch.no_grad():
            for name, p in m.named_parameters():
                near_one = name.endswith(".norm.weight") or name.endswith(".gamma")  # GroupNorm and LayerNorm gains
                p.copy_((1 if near_one else 0) + (0.1 if near_one else 0.2) * torch.randn_like(p))

    cases = [
        ("unet3d", {"frames": 5, "height": 8, "width": 8, "channels": 3, "dim": 8, "dim_mults": [1, 2], "groups": 4,
                    "attn_heads": 2, "attn_dim_head": 4, "spatial_dim_head": 4, "init_kernel": 3}, 2),
        ("unet3d_k7", {"frames": 12, "height": 8, "width": 4, "channels": 2, "dim": 8, "dim_mults": [1, 2, 2],
                       "groups": 2, "attn_heads": 2, "attn_dim_head": 6}, 1),
    ]
    for seed, (name, cfg, B) in enumerate(cases, 50):
        torch.manual_seed(seed)
        m = models.Unet3D(cfg["channels"], cfg["dim"], cfg["dim_mults"], groups=cfg.get("groups", 8),
                          heads=cfg["attn_heads"], dim_head=cfg["attn_dim_head"],
                          spatial_dim_head=cfg.get("spatial_dim_head", 32), init_kernel=cfg.get("init_kernel", 7))
        shape = (cfg["channels"], cfg["frames"], cfg["height"], cfg["width"])
        net_case(out, name, m, {"arch": "unet3d", "unet3d": cfg}, B, shape, tscale=100, init=init)


def layer_case(out, name, fn, shapes, params, spec, data=None):
    """fn(tensors) -> output (channels-last); shapes: name -> shape of the differentiated inputs."""
    ts = {k: torch.randn(*s, requires_grad=True) for k, s in shapes.items()}
    for k, v in (data or {}).items():
        ts[k] = v
    y = fn(ts)
    target = torch.randn_like(y)
    w = 0.5 + torch.rand(y.shape[0])
    loss = models.weighted_mse(y, target, w)
    loss.backward()
    io = {"in." + k: npy(v) for k, v in ts.items()}
    for k, p in params.items():
        io["in." + k] = npy(p)
    io["in.target"], io["in.lossweight"] = npy(target), npy(w)
    io["out.y"], io["out.loss"] = npy(y), np.array([loss.item()], dtype=np.float32)
    for k, v in list(ts.items()) + list(params.items()):
        if v.grad is not None:
            io["grad." + k] = npy(v.grad)
    st.write(os.path.join(out, name + ".io.safetensors"), io, {"spec": json.dumps(spec)})


def layers(out):
    torch.manual_seed(10)

    def cl(f):  # channels-last wrapper for a channels-first module: [B, ..., C] -> [B, C, ...] -> back
        def g(x):
            d = x.dim()
            perm = (0, d - 1, *range(1, d - 1))
            inv = (0, *range(2, d), 1)
            return f(x.permute(*perm)).permute(*inv)
        return g

    specs = [
        ("conv1d", nn.Conv1d(3, 5, 3, stride=2, padding=2, dilation=2), (2, 11, 3),
         {"op": "conv1d", "stride": 2, "padding": 2, "dilation": 2}),
        ("convT1d", nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1, dilation=2), (2, 5, 3),
         {"op": "convT1d", "stride": 2, "padding": 1, "output_padding": 1, "dilation": 2}),
        ("upsample1d", nn.ConvTranspose1d(4, 4, 4, 2, 1), (2, 6, 4),
         {"op": "convT1d", "stride": 2, "padding": 1, "output_padding": 0, "dilation": 1}),
        ("conv2d", nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 1), dilation=(1, 2)), (2, 5, 6, 3),
         {"op": "conv2d", "stride": [2, 1], "padding": [1, 1], "dilation": [1, 2]}),
        ("convT2d", nn.ConvTranspose2d(3, 2, (4, 3), stride=(2, 1), padding=(1, 1), output_padding=(1, 0)), (2, 3, 4, 3),
         {"op": "convT2d", "stride": [2, 1], "padding": [1, 1], "output_padding": [1, 0], "dilation": [1, 1]}),
    ]
    for name, mod, xs, spec in specs:
        with torch.no_grad():
            for p in mod.parameters():
                p.copy_(0.3 * torch.randn_like(p))
        layer_case(out, name, lambda ts, m=mod: cl(m)(ts["x"]), {"x": xs},
                   {"weight": mod.weight, "bias": mod.bias}, spec)

    gn = nn.GroupNorm(4, 8)
    with torch.no_grad():
        gn.weight.copy_(1 + 0.2 * torch.randn(8))
        gn.bias.copy_(0.2 * torch.randn(8))
    layer_case(out, "groupnorm_silu", lambda ts: torch.nn.functional.silu(cl(gn)(ts["x"] * 2 + 1)), {"x": (2, 5, 8)},
               {"weight": gn.weight, "bias": gn.bias}, {"op": "groupnorm", "groups": 4, "act": "silu", "prescale": [2, 1]})
    ln = nn.LayerNorm(6)
    with torch.no_grad():
        ln.weight.copy_(1 + 0.2 * torch.randn(6))
        ln.bias.copy_(0.2 * torch.randn(6))
    layer_case(out, "layernorm", lambda ts: ln(ts["x"]), {"x": (3, 4, 6)}, {"weight": ln.weight, "bias": ln.bias},
               {"op": "layernorm", "eps": 1e-5})
    layer_case(out, "gelu", lambda ts: torch.nn.functional.gelu(3 * ts["x"]), {"x": (4, 7)}, {}, {"op": "gelu", "prescale": 3})
    layer_case(out, "mish", lambda ts: torch.nn.functional.mish(8 * ts["x"]), {"x": (4, 9)}, {}, {"op": "mish", "prescale": 8})
    att = models.Attention(12, 3, causal=True)
    mask = torch.tensor([[1, 1, 0, 1, 1], [1, 0, 1, 1, 0]], dtype=torch.float32)
    layer_case(out, "attention", lambda ts: att.core(ts["qkv"], ts["mask"]), {"qkv": (2, 5, 36)}, {},
               {"op": "attention", "heads": 3, "causal": True}, data={"mask": mask})
    t = torch.tensor([0.0, 1.0, 3.5, 17.0, 99.0])
    emb = models.SinusoidalPosEmb(10)(t)
    four = models.FourierEmb(12, 16)
    io = {"in.t": npy(t), "out.sinusoidal": npy(emb), "in.freqs": npy(four.freqs), "out.fourier": npy(four(t / 50))}
    st.write(os.path.join(out, "embeddings.io.safetensors"), io, {"spec": json.dumps({"op": "embeddings", "dim": 10, "fourier_t_scale": 0.02})})


def check(path):
    ts, meta = st.read(path)
    for k, v in ts.items():
        print(k, v.dtype, list(v.shape), float(np.asarray(v, dtype=np.float64).sum()))
    print("metadata", meta)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--check":
        check(sys.argv[2])
        return
    args, only = sys.argv[1:], None
    if len(args) > 1 and args[0] == "--only":
        only, args = args[1], args[2:]
    out = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "..", "nn", "testdata", "parity")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    if only in (None, "networks"):
        networks(out)
    if only in (None, "egtn"):
        egtn_networks(out)
    if only in (None, "unet2d"):
        unet2d_networks(out)
    if only in (None, "unet3d"):
        unet3d_networks(out)
    if only in (None, "unet_nearest"):
        unet_nearest_networks(out)
    if only in (None, "layers"):
        layers(out)
    if only in (None, "regressor"):
        regressor_networks(out)
    if only in (None, "seq_regressor"):
        seq_regressor_networks(out)
    if only in (None, "temporal_value"):
        temporal_value_networks(out)
    for f in sorted(os.listdir(out)):
        ts, _ = st.read(os.path.join(out, f))  # every file must parse back
        print(f, os.path.getsize(os.path.join(out, f)), "bytes,", len(ts), "tensors")


if __name__ == "__main__":
    main()
