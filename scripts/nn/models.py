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

    def __init__(self, horizon, transition, dim=32, dim_mults=(1, 2, 4, 8), kernel=5, groups=8, cond_dim=0,
                 upsample="transposed"):
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
                nn.Identity(), nn.ConvTranspose1d(di, di, 4, 2, 1) if upsample == "transposed" else nn.Conv1d(di, di, 3, 1, 1)]))
        for lst in (self.downs, self.ups):
            for m in lst:
                if not isinstance(m[3], nn.Identity):
                    m[3] = Resample(m[3])
        if upsample == "nearest":  # resize-convolution: nearest-neighbour doubling, then the 3-tap conv
            for m in self.ups:
                m[3].nearest = True
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
        self.nearest = False

    def forward(self, x):
        if self.nearest:
            x = nn.functional.interpolate(x, scale_factor=2, mode="nearest")
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


class Regressor(nn.Module):
    """nn's regressor: Linear and activation layers from in to out, no time input (Decision Diffuser's
    inverse dynamics: nn.Sequential(Linear(2 obs, 256), ReLU, Linear(256, 256), ReLU, Linear(256, act)))."""

    def __init__(self, d_in, d_out, hidden=(256, 256), act=nn.ReLU):
        super().__init__()
        layers, w = [], d_in
        for h in hidden:
            layers += [nn.Linear(w, h), act()]
            w = h
        layers.append(nn.Linear(w, d_out))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class SeqBlock(nn.Module):
    """A pre-LayerNorm transformer encoder block: x += attn(LN1(x)); x += mlp(LN2(x)) (exact GELU)."""

    def __init__(self, dim, heads, ff, causal=False):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, causal)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, ff)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class SeqRegressor(nn.Module):
    """nn's seq_regressor: x [B, L*W] read as L tokens of W values, Linear(W, D) plus a learned position
    embedding, depth pre-LN encoder blocks, a final LayerNorm and Linear(D, out) on the last token
    (Trajectory Diffuser's draft model: next state and return-to-go from a history of (state, RTG) tokens)."""

    def __init__(self, tokens, token_dim, out, width, depth, heads, ff=None, causal=False):
        super().__init__()
        self.tokens, self.token_dim = tokens, token_dim
        self.pos_embed = nn.Parameter(torch.zeros(tokens, width))
        self.embed = nn.Linear(token_dim, width)
        self.blocks = nn.ModuleList([SeqBlock(width, heads, ff or 4 * width, causal) for _ in range(depth)])
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, out)

    def forward(self, x):
        h = self.embed(x.reshape(x.shape[0], self.tokens, self.token_dim)) + self.pos_embed
        for blk in self.blocks:
            h = blk(h)
        return self.head(self.norm(h[:, -1]))


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


# --- EGTN (GeoTDM's equivariant geometric trajectory network), twin of nn/egtn.go ---------------------------
#
# Written from the mathematics of nn/egtn.go (Han et al. 2024, Sec. 4), not from GeoTDM's code; parameter
# names are GeoTDM's state_dict names, as on the Go side. Tensors are [B, F, N, ...] (example, frame, node).


def sinusoid(x, dim):
    """[sin(x f_k) | cos(x f_k)], f_k = exp(-k ln(1e4) / (dim/2 - 1)), of x of any shape -> [..., dim]."""
    return SinusoidalPosEmb(dim)(x.reshape(-1)).reshape(*x.shape, dim)


class EGTNMLP(nn.Module):
    """Linear-SiLU-Linear at .actions (GeoTDM's BaseMLP)."""

    def __init__(self, inp, hidden, out):
        super().__init__()
        self.actions = nn.Sequential(nn.Linear(inp, hidden), nn.SiLU(), nn.Linear(hidden, out))

    def forward(self, x):
        return self.actions(x)


class ESLayer(nn.Module):
    """Per-frame EGNN layer on the fully connected graph without self loops."""

    def __init__(self, hidden, edge_features):
        super().__init__()
        self.edge_mlp = EGTNMLP(2 * hidden + 1 + edge_features, hidden, hidden)
        self.coord_mlp = EGTNMLP(hidden, hidden, 1)
        self.node_mlp = EGTNMLP(2 * hidden, hidden, hidden)

    def forward(self, x, h, ef, src):
        # x [B, F, N, D], h [B, F, N, H], ef [B, N, N-1, EF] or None, src [N, N-1]: the source of edge k into i.
        B, Fr, N, _ = x.shape
        dx = x.unsqueeze(3) - x[:, :, src]                       # [B, F, N, N-1, D], x_i - x_j
        sq = (dx * dx).sum(-1, keepdim=True)
        parts = [h.unsqueeze(3).expand(-1, -1, -1, N - 1, -1), h[:, :, src], sq]
        if ef is not None:
            parts.append(ef.unsqueeze(1).expand(-1, Fr, -1, -1, -1))
        m = F.silu(self.edge_mlp(torch.cat(parts, -1)))          # messages m_ij
        h2 = self.node_mlp(torch.cat([h, m.sum(3)], -1))
        phi = self.coord_mlp(m)
        x2 = x + (dx * phi / (torch.sqrt(sq + 1e-8) + 1)).mean(3)
        return x2, h2


class ETLayer(nn.Module):
    """Temporal layer: attention of every node over its own frames with the frame-offset embedding psi."""

    def __init__(self, hidden, time_dim):
        super().__init__()
        self.q_mlp = EGTNMLP(hidden, hidden, hidden)
        self.k_mlp = EGTNMLP(hidden, hidden, hidden)
        self.v_mlp = EGTNMLP(hidden, hidden, hidden)
        self.x_mlp = EGTNMLP(hidden, hidden, 1)
        self.time_emb = nn.Linear(time_dim, hidden)

    def forward(self, x, h, rel):
        # rel [F, F, time_dim]: the sinusoid of frames[t] - frames[s].
        psi = self.time_emb(rel)                                  # [F(t), F(s), H]
        q, k, v = (m(h).transpose(1, 2) for m in (self.q_mlp, self.k_mlp, self.v_mlp))  # [B, N, F, H]
        logits = q @ k.transpose(-1, -2) + torch.einsum("bnth,tsh->bnts", q, psi)
        a = logits.softmax(-1)                                    # no 1/sqrt(H), one head
        h2 = h + (a @ v + torch.einsum("bnts,tsh->bnth", a, psi)).transpose(1, 2)
        w = self.x_mlp(v)[..., 0]                                 # [B, N, F(s)]
        xn = x.transpose(1, 2)                                    # [B, N, F, D]
        diff = xn.unsqueeze(3) - xn.unsqueeze(2)                  # [B, N, t, s, D], x_t - x_s
        upd = ((a * w.unsqueeze(2)).unsqueeze(-1) * diff).sum(3)
        return x + upd.transpose(1, 2), h2


class EGTN(nn.Module):
    """nn.EGTN: forward(x [B, Tf, N, D], t [B], cond [B, CondDim], keep) -> x_L - x_in on the target frames.

    cond = [cond frames [Tc, N, D] | node features [N, NF] | edge attributes [N(N-1), EF]], edge e = i(N-1)+k
    from j = k (k < i) or k+1. alpha(t) is the process's signal coefficient (the prior enters as
    x + (1 - alpha(t)) x_r); the default exp(-t) is that of nn's tests. The keep mask is ignored.
    """

    def __init__(self, nodes, spatial_dim, cond_frames, target_frames, hidden, layers, node_features=0,
                 edge_features=0, time_dim=32, time_scale=1000.0, prior=None, prior_layers=2, alpha=None):
        super().__init__()
        self.N, self.D, self.NF, self.EF = nodes, spatial_dim, node_features, edge_features
        self.cond_frames, self.target_frames = list(cond_frames), list(target_frames)
        self.time_dim, self.time_scale = time_dim, time_scale
        self.prior = prior or ("learned" if self.cond_frames else "none")
        self.alpha = alpha or (lambda t: torch.exp(-t.double()))
        self.input_linear = nn.Linear(node_features + time_dim, hidden)
        self.s_modules = nn.ModuleList([ESLayer(hidden, edge_features) for _ in range(layers)])
        self.t_modules = nn.ModuleList([ETLayer(hidden, time_dim) for _ in range(layers)])
        if self.prior == "learned":
            self.input_linear_ref = nn.Linear(node_features, hidden)
            self.s_modules_ref = nn.ModuleList([ESLayer(hidden, edge_features) for _ in range(prior_layers)])
            self.t_modules_ref = nn.ModuleList([ETLayer(hidden, time_dim) for _ in range(prior_layers)])
            self.ws = nn.Parameter(torch.ones(len(self.target_frames)))
        src = [[k if k < i else k + 1 for k in range(nodes - 1)] for i in range(nodes)]
        self.register_buffer("src", torch.tensor(src, dtype=torch.long), persistent=False)

    def offsets(self, frames):
        f = torch.tensor(frames, dtype=torch.float32)
        return sinusoid(f[:, None] - f[None, :], self.time_dim)

    def blocks(self, x, h, ef, frames, es, et):
        rel = self.offsets(frames)
        for s, t in zip(es, et):
            x, h = s(x, h, ef, self.src)
            x, h = t(x, h, rel)
        return x, h

    def forward(self, x, t, cond=None, keep=None):
        B, N, D, NF, EF = x.shape[0], self.N, self.D, self.NF, self.EF
        Tc, Tf = len(self.cond_frames), len(self.target_frames)
        xc = nf = ef = None
        off = 0
        if Tc:
            xc = cond[:, :Tc * N * D].reshape(B, Tc, N, D)
            off = Tc * N * D
        if NF:
            nf = cond[:, off:off + N * NF].reshape(B, N, NF)
            off += N * NF
        if EF:
            ef = cond[:, off:off + N * (N - 1) * EF].reshape(B, N, N - 1, EF)
        xin = x
        if self.prior in ("learned", "com"):
            if self.prior == "learned":
                h = self.input_linear_ref(nf.unsqueeze(1).expand(-1, Tc, -1, -1))
                xh, h = self.blocks(xc, h, ef, self.cond_frames, self.s_modules_ref, self.t_modules_ref)
                w = h.mean(-1)                                    # [B, Tc, N]
                last = xh[:, -1:]
                u = (w[:, :-1, :, None] * (xh[:, :-1] - last)).sum(1, keepdim=True)  # [B, 1, N, D]
                xr = last + self.ws[None, :, None, None] * u
            else:
                xr = xc.mean(dim=(1, 2), keepdim=True).expand(-1, Tf, N, -1)
            c = (1 - self.alpha(t)).to(x.dtype)
            xin = x + c[:, None, None, None] * xr
        elif Tc == 0:
            xin = x - x.mean(dim=(1, 2), keepdim=True)
        X = torch.cat([xc, xin], 1) if Tc else xin
        Fr = Tc + Tf
        temb = sinusoid(t * self.time_scale, self.time_dim)[:, None, None, :].expand(-1, Fr, N, -1)
        h = torch.cat([nf.unsqueeze(1).expand(-1, Fr, -1, -1), temb], -1) if NF else temb
        h = self.input_linear(h)
        X, _ = self.blocks(X, h, ef, self.cond_frames + self.target_frames, self.s_modules, self.t_modules)
        eps = X[:, Tc:] - xin
        if self.prior == "none" and Tc == 0:
            eps = eps - eps.mean(dim=(1, 2), keepdim=True)
        return eps


# ---- WDNO's 2-D U-Net (nn/unet2d.go): lucidrains' denoising-diffusion-pytorch Unet as WDNO configures it
# (AI4Science-WestlakeU/wdno, burgers/ddpm_burgers/unet.py). Module names and registration order give the
# reference's state_dict; the code is this repository's own. Checked once against the reference module
# (its unet.py with a minimal einops shim, same weights): equal state_dict names and shapes, outputs equal to
# 2.6e-7 relative for (9 channels, dim 16, mults 1, 2, 4, GroupNorm(1), 4 heads of 32).

class ChanNorm(nn.Module):
    """LayerNorm over the channels of [B, C, H, W] with a gain g [1, C, 1, 1] and no bias."""

    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.g = nn.Parameter(torch.ones(1, dim, 1, 1))
        self.eps = eps

    def forward(self, x):
        mean = x.mean(dim=1, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=1, keepdim=True)
        return (x - mean) * torch.rsqrt(var + self.eps) * self.g


class ConvNormAct(nn.Module):
    """3x3 conv (proj), GroupNorm (norm), optional (1 + scale), + shift, SiLU."""

    def __init__(self, inp, out, groups):
        super().__init__()
        self.proj = nn.Conv2d(inp, out, 3, padding=1)
        self.norm = nn.GroupNorm(groups, out)

    def forward(self, x, scale_shift=None):
        x = self.norm(self.proj(x))
        if scale_shift is not None:
            scale, shift = scale_shift
            x = x * (1 + scale) + shift
        return F.silu(x)


class ResBlock2D(nn.Module):
    def __init__(self, inp, out, embed, groups):
        super().__init__()
        self.mlp = nn.Sequential(nn.SiLU(), nn.Linear(embed, 2 * out))
        self.block1 = ConvNormAct(inp, out, groups)
        self.block2 = ConvNormAct(out, out, groups)
        self.res_conv = nn.Conv2d(inp, out, 1) if inp != out else nn.Identity()

    def forward(self, x, t):
        ss = self.mlp(t)[:, :, None, None].chunk(2, dim=1)
        return self.block2(self.block1(x, ss)) + self.res_conv(x)


class LinAttn2D(nn.Module):
    def __init__(self, dim, heads, dim_head):
        super().__init__()
        hidden = heads * dim_head
        self.heads, self.scale = heads, dim_head ** -0.5
        self.to_qkv = nn.Conv2d(dim, 3 * hidden, 1, bias=False)
        self.to_out = nn.Sequential(nn.Conv2d(hidden, dim, 1), ChanNorm(dim))

    def forward(self, x):
        B, _, H, W = x.shape
        q, k, v = (z.reshape(B, self.heads, -1, H * W) for z in self.to_qkv(x).chunk(3, dim=1))
        q = q.softmax(dim=-2) * self.scale  # over each query's features
        k = k.softmax(dim=-1)  # over positions
        ctx = k @ v.transpose(-1, -2)  # [B, h, d, e]
        out = ctx.transpose(-1, -2) @ q  # [B, h, e, n]
        return self.to_out(out.reshape(B, -1, H, W))


class FullAttn2D(nn.Module):
    def __init__(self, dim, heads, dim_head):
        super().__init__()
        hidden = heads * dim_head
        self.heads, self.scale = heads, dim_head ** -0.5
        self.to_qkv = nn.Conv2d(dim, 3 * hidden, 1, bias=False)
        self.to_out = nn.Conv2d(hidden, dim, 1)

    def forward(self, x):
        B, _, H, W = x.shape
        q, k, v = (z.reshape(B, self.heads, -1, H * W) for z in self.to_qkv(x).chunk(3, dim=1))
        attn = ((q * self.scale).transpose(-1, -2) @ k).softmax(dim=-1)  # [B, h, i, j]
        out = v @ attn.transpose(-1, -2)  # [B, h, d, i]
        return self.to_out(out.reshape(B, -1, H, W))


class PreNorm2D(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.fn = fn  # registered before norm, as in the reference
        self.norm = ChanNorm(dim)

    def forward(self, x):
        return self.fn(self.norm(x))


class Residual2D(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return x + self.fn(x)


class SpaceToDepth(nn.Module):  # einops 'b c (h p1) (w p2) -> b (c p1 p2) h w'
    def forward(self, x):
        B, C, H, W = x.shape
        x = x.reshape(B, C, H // 2, 2, W // 2, 2).permute(0, 1, 3, 5, 2, 4)
        return x.reshape(B, 4 * C, H // 2, W // 2)


class Unet2D(nn.Module):
    """WDNO's Unet2D (no self-conditioning, sinusoidal time); x [B, C, H, W]."""

    def __init__(self, channels, dim, dim_mults=(1, 2, 4, 8), groups=1, heads=4, dim_head=32, linear_attention=True,
                 mid_attention=True, init_kernel=7):
        super().__init__()
        e = 4 * dim
        self.time_mlp = nn.Sequential(SinusoidalPosEmb(dim), nn.Linear(dim, e), nn.GELU(), nn.Linear(e, e))
        self.init_conv = nn.Conv2d(channels, dim, init_kernel, padding=init_kernel // 2)
        dims = [dim, *[dim * m for m in dim_mults]]
        in_out = list(zip(dims[:-1], dims[1:]))

        def lin(d):
            return Residual2D(PreNorm2D(d, LinAttn2D(d, heads, dim_head))) if linear_attention else nn.Identity()

        self.downs = nn.ModuleList([])
        for i, (di, do) in enumerate(in_out):
            last = i == len(in_out) - 1
            down = nn.Conv2d(di, do, 3, padding=1) if last else nn.Sequential(SpaceToDepth(), nn.Conv2d(4 * di, do, 1))
            self.downs.append(nn.ModuleList([ResBlock2D(di, di, e, groups), ResBlock2D(di, di, e, groups), lin(di), down]))
        mid = dims[-1]
        self.mid_block1 = ResBlock2D(mid, mid, e, groups)
        self.mid_attn = Residual2D(PreNorm2D(mid, FullAttn2D(mid, heads, dim_head))) if mid_attention else nn.Identity()
        self.mid_block2 = ResBlock2D(mid, mid, e, groups)
        self.ups = nn.ModuleList([])
        for i, (di, do) in enumerate(reversed(in_out)):
            last = i == len(in_out) - 1
            up = nn.Conv2d(do, di, 3, padding=1) if last else nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                                                         nn.Conv2d(do, di, 3, padding=1))
            self.ups.append(nn.ModuleList([ResBlock2D(do + di, do, e, groups), ResBlock2D(do + di, do, e, groups),
                                           lin(do), up]))
        self.final_res_block = ResBlock2D(2 * dim, dim, e, groups)
        self.final_conv = nn.Conv2d(dim, channels, 1)

    def forward(self, x, time):
        x = self.init_conv(x)
        r = x
        t = self.time_mlp(time)
        h = []
        for b1, b2, attn, down in self.downs:
            x = b1(x, t)
            h.append(x)
            x = attn(b2(x, t))
            h.append(x)
            x = down(x)
        x = self.mid_block2(self.mid_attn(self.mid_block1(x, t)), t)
        for b1, b2, attn, up in self.ups:
            x = b1(torch.cat((x, h.pop()), dim=1), t)
            x = attn(b2(torch.cat((x, h.pop()), dim=1), t))
            x = up(x)
        return self.final_conv(self.final_res_block(torch.cat((x, r), dim=1), t))


# ---- WDNO's video U-Net (nn/unet3d.go): Unet3D_with_Conv3D of AI4Science-WestlakeU/wdno
# (smoke/video_diffusion_pytorch/video_diffusion_pytorch_conv3d.py, after lucidrains' video-diffusion-pytorch).
# Module names and registration order give the reference's state_dict; the code is this repository's own
# (rotary embeddings and the einops rearrangements written out). x is [B, C, F, H, W], the layout the
# reference's forward permutes its [B, F, C, H, W] input into. Checked once against the reference module
# (video_diffusion_pytorch_conv3d.py at wdno d6099ed with rotary_embedding_torch's rotary_embedding_torch.py
# at 02a5d07 and a minimal einops shim, same weights, spatial_dim_head 32): equal state_dict names, shapes
# and order, outputs equal to 7e-7 relative and gradients to 2e-6 relative, for (3 channels, dim 8, mults
# 1, 2, 2 heads of 4, k 3, 5 frames), (dim 8, mults 1, 2, 2, heads of 6, k 7, 20 frames), (dim 16, mults 1,
# 2, 4, 4 heads of 32, 18 frames) and (1 head of 40: rotary on 32 of 40 features).

class VidNorm(nn.Module):
    """LayerNorm over the channels of [B, C, F, H, W] with a gain gamma [1, C, 1, 1, 1], biased variance."""

    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(1, dim, 1, 1, 1))

    def forward(self, x):
        mean = x.mean(dim=1, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=1, keepdim=True)
        return (x - mean) / (var + self.eps).sqrt() * self.gamma


class PreNorm3D(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.fn = fn  # registered before norm, as in the reference
        self.norm = VidNorm(dim)

    def forward(self, x, **kw):
        return self.fn(self.norm(x), **kw)


class Residual3D(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x, **kw):
        return self.fn(x, **kw) + x


class Block3D(nn.Module):
    def __init__(self, inp, out, groups):
        super().__init__()
        self.proj = nn.Conv3d(inp, out, 3, padding=1)
        self.norm = nn.GroupNorm(groups, out)

    def forward(self, x, scale_shift=None):
        x = self.norm(self.proj(x))
        if scale_shift is not None:
            scale, shift = scale_shift
            x = x * (scale + 1) + shift
        return F.silu(x)


class ResBlock3D(nn.Module):
    def __init__(self, inp, out, embed, groups):
        super().__init__()
        self.mlp = nn.Sequential(nn.SiLU(), nn.Linear(embed, 2 * out)) if embed else None
        self.block1 = Block3D(inp, out, groups)
        self.block2 = Block3D(out, out, groups)
        self.res_conv = nn.Conv3d(inp, out, 1) if inp != out else nn.Identity()

    def forward(self, x, t=None):
        ss = None
        if self.mlp is not None:
            ss = self.mlp(t)[:, :, None, None, None].chunk(2, dim=1)
        return self.block2(self.block1(x, ss)) + self.res_conv(x)


class SpatialLinAttn3D(nn.Module):
    """Linear attention over the positions of every frame ('b c f h w -> (b f) c h w')."""

    def __init__(self, dim, heads, dim_head):
        super().__init__()
        hidden = heads * dim_head
        self.heads, self.scale = heads, dim_head ** -0.5
        self.to_qkv = nn.Conv2d(dim, 3 * hidden, 1, bias=False)
        self.to_out = nn.Conv2d(hidden, dim, 1)

    def forward(self, x):
        B, C, Fr, H, W = x.shape
        x = x.permute(0, 2, 1, 3, 4).reshape(B * Fr, C, H, W)
        q, k, v = (z.reshape(B * Fr, self.heads, -1, H * W) for z in self.to_qkv(x).chunk(3, dim=1))
        q = q.softmax(dim=-2) * self.scale
        k = k.softmax(dim=-1)
        ctx = k @ v.transpose(-1, -2)  # [b, h, d, e]
        out = ctx.transpose(-1, -2) @ q  # [b, h, e, n]
        out = self.to_out(out.reshape(B * Fr, -1, H, W))
        return out.reshape(B, Fr, C, H, W).permute(0, 2, 1, 3, 4)


class Rotary(nn.Module):
    """rotary_embedding_torch's RotaryEmbedding(dim) as rotate_queries_or_keys uses it: the first dim
    features of t [..., n, d] rotated in interleaved pairs by position * freqs."""

    def __init__(self, dim, theta=10000):
        super().__init__()
        self.register_buffer("freqs", 1.0 / (theta ** (torch.arange(0, dim, 2)[: dim // 2].float() / dim)))

    def rotate(self, t):
        n = t.shape[-2]
        ang = torch.arange(n, device=t.device, dtype=self.freqs.dtype)[:, None] * self.freqs[None, :]
        ang = ang.repeat_interleave(2, dim=-1)  # '... n -> ... (n r)', r = 2
        rot = ang.shape[-1]
        tr, rest = t[..., :rot], t[..., rot:]
        pairs = tr.reshape(*tr.shape[:-1], rot // 2, 2)
        half = torch.stack((-pairs[..., 1], pairs[..., 0]), dim=-1).reshape(tr.shape)  # rotate_half
        return torch.cat((tr * ang.cos() + half * ang.sin(), rest), dim=-1)


class Attn3D(nn.Module):
    """Full attention over the second-last axis of x [..., n, dim]; bias-free projections."""

    def __init__(self, dim, heads, dim_head, rotary=None):
        super().__init__()
        self.scale, self.heads = dim_head ** -0.5, heads
        self.rotary_emb = rotary  # registered first, as in the reference
        hidden = heads * dim_head
        self.to_qkv = nn.Linear(dim, 3 * hidden, bias=False)
        self.to_out = nn.Linear(hidden, dim, bias=False)

    def forward(self, x, pos_bias=None):
        *lead, n, _ = x.shape
        q, k, v = (z.reshape(*lead, n, self.heads, -1).transpose(-2, -3) for z in self.to_qkv(x).chunk(3, dim=-1))
        q = q * self.scale
        if self.rotary_emb is not None:
            q, k = self.rotary_emb.rotate(q), self.rotary_emb.rotate(k)
        sim = q @ k.transpose(-1, -2)
        if pos_bias is not None:
            sim = sim + pos_bias
        attn = (sim - sim.amax(dim=-1, keepdim=True).detach()).softmax(dim=-1)
        out = (attn @ v).transpose(-2, -3).reshape(*lead, n, -1)
        return self.to_out(out)


class OverTime(nn.Module):  # EinopsToAndFrom('b c f h w', 'b (h w) f c', fn)
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x, **kw):
        B, C, Fr, H, W = x.shape
        y = self.fn(x.permute(0, 3, 4, 2, 1).reshape(B, H * W, Fr, C), **kw)
        return y.reshape(B, H, W, Fr, C).permute(0, 4, 3, 1, 2)


class OverSpace(nn.Module):  # EinopsToAndFrom('b c f h w', 'b f (h w) c', fn)
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x, **kw):
        B, C, Fr, H, W = x.shape
        y = self.fn(x.permute(0, 2, 3, 4, 1).reshape(B, Fr, H * W, C), **kw)
        return y.reshape(B, Fr, H, W, C).permute(0, 4, 1, 2, 3)


class RelPosBias(nn.Module):
    """T5 relative position bias [heads, n, n] (video-diffusion-pytorch's RelativePositionBias)."""

    def __init__(self, heads, num_buckets=32, max_distance=32):
        super().__init__()
        self.num_buckets, self.max_distance = num_buckets, max_distance
        self.relative_attention_bias = nn.Embedding(num_buckets, heads)

    def bucket(self, rel):
        n = -rel
        nb = self.num_buckets // 2
        ret = (n < 0).long() * nb
        n = n.abs()
        exact = nb // 2
        large = exact + (torch.log(n.float() / exact) / math.log(self.max_distance / exact) * (nb - exact)).long()
        large = torch.minimum(large, torch.full_like(large, nb - 1))
        return ret + torch.where(n < exact, n, large)

    def forward(self, n):
        pos = torch.arange(n)
        return self.relative_attention_bias(self.bucket(pos[None, :] - pos[:, None])).permute(2, 0, 1)


class Unet3D(nn.Module):
    """WDNO's Unet3D_with_Conv3D without text condition or focus-present masking; x [B, C, F, H, W]."""

    def __init__(self, channels, dim, dim_mults=(1, 2, 4), groups=8, heads=4, dim_head=32, spatial_dim_head=32,
                 init_kernel=7):
        super().__init__()
        rotary = Rotary(min(32, dim_head))

        def temporal(d):
            return Residual3D(PreNorm3D(d, OverTime(Attn3D(d, heads, dim_head, rotary))))

        self.time_rel_pos_bias = RelPosBias(heads, max_distance=32)
        self.init_conv = nn.Conv3d(channels, dim, init_kernel, padding=init_kernel // 2)
        self.init_temporal_attn = temporal(dim)
        dims = [dim, *[dim * m for m in dim_mults]]
        in_out = list(zip(dims[:-1], dims[1:]))
        e = 4 * dim
        self.time_mlp = nn.Sequential(SinusoidalPosEmb(dim), nn.Linear(dim, e), nn.GELU(), nn.Linear(e, e))

        def lin(d):
            return Residual3D(PreNorm3D(d, SpatialLinAttn3D(d, heads, spatial_dim_head)))

        # The reference registers both lists before the middle blocks, so ups come before mid_* in its
        # state_dict although they are filled after them.
        self.downs = nn.ModuleList([])
        self.ups = nn.ModuleList([])
        for i, (di, do) in enumerate(in_out):
            last = i == len(in_out) - 1
            down = nn.Identity() if last else nn.Conv3d(do, do, (1, 4, 4), (1, 2, 2), (0, 1, 1))
            self.downs.append(nn.ModuleList([ResBlock3D(di, do, e, groups), ResBlock3D(do, do, e, groups), lin(do),
                                             temporal(do), down]))
        mid = dims[-1]
        self.mid_block1 = ResBlock3D(mid, mid, e, groups)
        self.mid_spatial_attn = Residual3D(PreNorm3D(mid, OverSpace(Attn3D(mid, heads, spatial_dim_head))))
        self.mid_temporal_attn = temporal(mid)
        self.mid_block2 = ResBlock3D(mid, mid, e, groups)
        for i, (di, do) in enumerate(reversed(in_out)):
            last = i == len(in_out) - 1
            up = nn.Identity() if last else nn.ConvTranspose3d(di, di, (1, 4, 4), (1, 2, 2), (0, 1, 1))
            self.ups.append(nn.ModuleList([ResBlock3D(2 * do, di, e, groups), ResBlock3D(di, di, e, groups), lin(di),
                                           temporal(di), up]))
        self.final_conv = nn.Sequential(ResBlock3D(2 * dim, dim, 0, groups), nn.Conv3d(dim, channels, 1))

    def forward(self, x, time):
        bias = self.time_rel_pos_bias(x.shape[2])
        x = self.init_temporal_attn(self.init_conv(x), pos_bias=bias)
        r = x
        t = self.time_mlp(time)
        h = []
        for b1, b2, lin, tmp, down in self.downs:
            x = tmp(lin(b2(b1(x, t), t)), pos_bias=bias)
            h.append(x)
            x = down(x)
        x = self.mid_block1(x, t)
        x = self.mid_temporal_attn(self.mid_spatial_attn(x), pos_bias=bias)
        x = self.mid_block2(x, t)
        for b1, b2, lin, tmp, up in self.ups:
            x = torch.cat((x, h.pop()), dim=1)
            x = tmp(lin(b2(b1(x, t), t)), pos_bias=bias)
            x = up(x)
        return self.final_conv(torch.cat((x, r), dim=1))


class TemporalValue(nn.Module):
    """nn's temporal_value: Diffuser's ValueFunction (models/temporal.py) read as a regressor from
    x [B, horizon*transition + 1] (the window, row-major [horizon, transition], then the time) to [B, out].
    Blocks, names and order are the reference's; the head's input width is the one the stride-2
    convolutions produce (the reference's own bookkeeping skips the last resolution's halving)."""

    def __init__(self, horizon, transition, dim=32, dim_mults=(1, 2, 4, 8), kernel=5, groups=8, out=1):
        super().__init__()
        self.horizon, self.transition = horizon, transition
        dims = [transition, *[dim * m for m in dim_mults]]
        self.time_mlp = nn.Sequential(SinusoidalPosEmb(dim), nn.Linear(dim, dim * 4), nn.Mish(), nn.Linear(dim * 4, dim))
        self.blocks = nn.ModuleList([])
        length = horizon
        for di, do in zip(dims[:-1], dims[1:]):
            self.blocks.append(nn.ModuleList([
                ResidualTemporalBlock(di, do, dim, kernel, groups), ResidualTemporalBlock(do, do, dim, kernel, groups),
                Resample(nn.Conv1d(do, do, 3, 2, 1))]))
            length = (length + 1) // 2
        mid = dims[-1]
        self.mid_block1 = ResidualTemporalBlock(mid, mid // 2, dim, kernel, groups)
        self.mid_down1 = Resample(nn.Conv1d(mid // 2, mid // 2, 3, 2, 1))
        self.mid_block2 = ResidualTemporalBlock(mid // 2, mid // 4, dim, kernel, groups)
        self.mid_down2 = Resample(nn.Conv1d(mid // 4, mid // 4, 3, 2, 1))
        length = (((length + 1) // 2) + 1) // 2
        fc = mid // 4 * length
        self.final_block = nn.Sequential(nn.Linear(fc + dim, fc // 2), nn.Mish(), nn.Linear(fc // 2, out))

    def forward(self, x):
        time = x[:, -1]
        x = x[:, :-1].reshape(len(x), self.horizon, self.transition).transpose(1, 2)
        t = self.time_mlp(time)
        for resnet, resnet2, down in self.blocks:
            x = down(resnet2(resnet(x, t), t))
        x = self.mid_down1(self.mid_block1(x, t))
        x = self.mid_down2(self.mid_block2(x, t))
        x = x.reshape(len(x), -1)
        return self.final_block(torch.cat([x, t], dim=-1))
