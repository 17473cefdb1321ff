"""PyTorch twins of trajdiff's nn networks and layers, with the same state_dict names.

Used by parity.py (reference vectors) and bench_torch.py (timing). The layouts follow the originals:
Diffuser's TemporalUnet (jannerm/diffuser, models/temporal.py and helpers.py) works on channels-first
[B, C, H] internally and takes [B, horizon, transition]; the DiT-style transformer follows Peebles & Xie
(2023) with timm-style attention (qkv, proj).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class SinusoidalPosEmb(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        half = self.dim // 2
        emb = math.log(10000) / (half - 1)
        emb = torch.exp(torch.arange(half, device=x.device) * -emb)
        emb = x[:, None] * emb[None, :]
        return torch.cat((emb.sin(), emb.cos()), dim=-1)


class FourierEmb(nn.Module):
    """EDM's FourierEmbedding: a fixed buffer of N(0, scale^2) frequencies, [cos | sin]."""

    def __init__(self, dim, scale=16):
        super().__init__()
        self.register_buffer("freqs", torch.randn(dim // 2) * scale)

    def forward(self, x):
        x = x.ger((2 * math.pi * self.freqs).to(x.dtype))
        return torch.cat([x.cos(), x.sin()], dim=1)


class Unsqueeze2(nn.Module):  # Diffuser's Rearrange('b c h -> b c 1 h') (no parameters)
    def forward(self, x):
        return x.unsqueeze(2)


class Squeeze2(nn.Module):  # Rearrange('b c 1 h -> b c h')
    def forward(self, x):
        return x.squeeze(2)


class Unsqueeze_1(nn.Module):  # Rearrange('batch t -> batch t 1')
    def forward(self, x):
        return x.unsqueeze(-1)


class Conv1dBlock(nn.Module):
    def __init__(self, inp, out, k, groups=8):
        super().__init__()
        self.block = nn.Sequential(nn.Conv1d(inp, out, k, padding=k // 2), Unsqueeze2(),
                                   nn.GroupNorm(groups, out), Squeeze2(), nn.Mish())

    def forward(self, x):
        return self.block(x)


class ResidualTemporalBlock(nn.Module):
    def __init__(self, inp, out, embed, k=5, groups=8):
        super().__init__()
        self.blocks = nn.ModuleList([Conv1dBlock(inp, out, k, groups), Conv1dBlock(out, out, k, groups)])
        self.time_mlp = nn.Sequential(nn.Mish(), nn.Linear(embed, out), Unsqueeze_1())
        self.residual_conv = nn.Conv1d(inp, out, 1) if inp != out else nn.Identity()

    def forward(self, x, t):
        out = self.blocks[0](x) + self.time_mlp(t)
        out = self.blocks[1](out)
        return out + self.residual_conv(x)


class TemporalUnet(nn.Module):
    """Diffuser's TemporalUnet (no attention) with Decision Diffuser's condition MLP when cond_dim > 0."""

    def __init__(self, horizon, transition, dim=32, dim_mults=(1, 2, 4, 8), kernel=5, groups=8, cond_dim=0):
        super().__init__()
        dims = [transition, *[dim * m for m in dim_mults]]
        in_out = list(zip(dims[:-1], dims[1:]))
        self.time_mlp = nn.Sequential(SinusoidalPosEmb(dim), nn.Linear(dim, dim * 4), nn.Mish(), nn.Linear(dim * 4, dim))
        self.cond_dim = cond_dim
        embed = dim
        if cond_dim > 0:
            self.cond_mlp = nn.Sequential(nn.Linear(cond_dim, dim), nn.Mish(), nn.Linear(dim, dim * 4), nn.Mish(),
                                          nn.Linear(dim * 4, dim))
            embed = 2 * dim
        self.downs = nn.ModuleList([])
        self.ups = nn.ModuleList([])
        n = len(in_out)
        for ind, (di, do) in enumerate(in_out):
            last = ind >= n - 1
            self.downs.append(nn.ModuleList([
                ResidualTemporalBlock(di, do, embed, kernel, groups), ResidualTemporalBlock(do, do, embed, kernel, groups),
                nn.Identity(), nn.Conv1d(do, do, 3, 2, 1) if not last else nn.Identity()]))
            # Diffuser wraps the conv in Downsample1d(.conv): mirror the name below.
        mid = dims[-1]
        self.mid_block1 = ResidualTemporalBlock(mid, mid, embed, kernel, groups)
        self.mid_attn = nn.Identity()
        self.mid_block2 = ResidualTemporalBlock(mid, mid, embed, kernel, groups)
        for ind, (di, do) in enumerate(reversed(in_out[1:])):
            self.ups.append(nn.ModuleList([
                ResidualTemporalBlock(do * 2, di, embed, kernel, groups), ResidualTemporalBlock(di, di, embed, kernel, groups),
                nn.Identity(), nn.ConvTranspose1d(di, di, 4, 2, 1)]))
        for lst in (self.downs, self.ups):
            for m in lst:
                if not isinstance(m[3], nn.Identity):
                    m[3] = Resample(m[3])
        self.final_conv = nn.Sequential(Conv1dBlock(dim, dim, kernel, groups), nn.Conv1d(dim, transition, 1))

    def forward(self, x, time, cond=None, keep=None):
        x = x.transpose(1, 2)
        t = self.time_mlp(time)
        if self.cond_dim > 0:
            t = torch.cat([t, keep[:, None] * self.cond_mlp(cond)], dim=-1)
        h = []
        for resnet, resnet2, attn, down in self.downs:
            x = resnet2(resnet(x, t), t)
            h.append(x)
            x = down(x)
        x = self.mid_block2(self.mid_block1(x, t), t)
        for resnet, resnet2, attn, up in self.ups:
            x = torch.cat((x, h.pop()), dim=1)
            x = up(resnet2(resnet(x, t), t))
        x = self.final_conv(x)
        return x.transpose(1, 2)


class Resample(nn.Module):  # Downsample1d / Upsample1d: the conv lives at .conv
    def __init__(self, conv):
        super().__init__()
        self.conv = conv

    def forward(self, x):
        return self.conv(x)


class MLP(nn.Module):
    def __init__(self, dim, hidden, time_dim, cond_dim=0, fourier=False, act=nn.Mish, scale=16):
        super().__init__()
        self.time_embed = FourierEmb(time_dim, scale) if fourier else SinusoidalPosEmb(time_dim)
        layers, w = [], dim + time_dim + cond_dim
        for h in hidden:
            layers += [nn.Linear(w, h), act()]
            w = h
        layers.append(nn.Linear(w, dim))
        self.net = nn.Sequential(*layers)
        self.cond_dim = cond_dim

    def forward(self, x, t, cond=None, keep=None):
        h = [x, self.time_embed(t)]
        if self.cond_dim > 0:
            h.append(keep[:, None] * cond)
        return self.net(torch.cat(h, dim=-1))


class Attention(nn.Module):
    def __init__(self, dim, heads, causal=False):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def core(self, qkv, key_mask=None):
        B, L, D3 = qkv.shape
        D = D3 // 3
        H, Dh = self.heads, D // self.heads
        qkv = qkv.reshape(B, L, 3, H, Dh).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = (q @ k.transpose(-2, -1)) * Dh ** -0.5
        if self.causal:
            a = a.masked_fill(torch.ones(L, L, dtype=torch.bool).triu(1), float("-inf"))
        if key_mask is not None:
            a = a.masked_fill(key_mask[:, None, None, :] == 0, float("-inf"))
        a = a.softmax(dim=-1)
        return (a @ v).transpose(1, 2).reshape(B, L, D)

    def forward(self, x):
        return self.proj(self.core(self.qkv(x)))


def modulate(x, shift, scale):
    return x * (1 + scale[:, None, :]) + shift[:, None, :]


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class DiTBlock(nn.Module):
    def __init__(self, dim, heads, ratio=4.0, causal=False):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(dim, heads, causal)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * ratio))
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))

    def forward(self, x, c):
        sm, cm, gm, sp, cp, gp = self.adaLN_modulation(c).chunk(6, dim=1)
        x = x + gm[:, None, :] * self.attn(modulate(self.norm1(x), sm, cm))
        return x + gp[:, None, :] * self.mlp(modulate(self.norm2(x), sp, cp))


class FinalLayer(nn.Module):
    def __init__(self, dim, out):
        super().__init__()
        self.norm_final = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(dim, out)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 2 * dim))

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)
        return self.linear(modulate(self.norm_final(x), shift, scale))


class TEmbed(nn.Module):
    def __init__(self, time_dim, dim):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(time_dim, dim), nn.SiLU(), nn.Linear(dim, dim))


class Transformer(nn.Module):
    def __init__(self, length, channels, width, depth, heads, ratio=4.0, time_dim=None, cond_dim=0, fourier=False,
                 causal=False, scale=16):
        super().__init__()
        time_dim = time_dim or width
        self.x_embed = nn.Linear(channels, width)
        self.pos_embed = nn.Parameter(torch.zeros(length, width))
        self.time_embed = FourierEmb(time_dim, scale) if fourier else SinusoidalPosEmb(time_dim)
        self.t_embed = TEmbed(time_dim, width)
        self.cond_dim = cond_dim
        if cond_dim > 0:
            self.cond_embed = nn.Linear(cond_dim, width)
        self.blocks = nn.ModuleList([DiTBlock(width, heads, ratio, causal) for _ in range(depth)])
        self.final_layer = FinalLayer(width, channels)

    def forward(self, x, t, cond=None, keep=None):
        h = self.x_embed(x) + self.pos_embed
        c = self.t_embed.mlp(self.time_embed(t))
        if self.cond_dim > 0:
            c = c + keep[:, None] * self.cond_embed(cond)
        for blk in self.blocks:
            h = blk(h, c)
        return self.final_layer(h, c)


def weighted_mse(pred, target, w):
    B = pred.shape[0]
    return (w * ((pred - target) ** 2).reshape(B, -1).mean(dim=1)).mean()
