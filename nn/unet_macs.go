package nn

// MACs is the number of multiply-accumulates of one forward pass of one example: every convolution's
// output length times its weight count, plus the time (and condition) MLPs and the residual blocks'
// time projections. Element-wise work (norms, activations, additions) is left out; it is a few percent.
// Diffuser's maze2d network (dim 32, dim_mults (1, 4, 8), horizon 128, transition 6) costs 128.6 M, so a
// 64-step DDPM plan 8.2 GMAC (../shared/reference/maze2d-planning.md estimates 131 M and 8.4 GMAC).
func (u *TemporalUnet) MACs() int {
	numel := func(p *Param) int {
		n := 1
		for _, s := range p.Shape {
			n *= s
		}
		return n
	}
	linear := func(l *LinearLayer) int { return numel(l.W) }
	conv := func(l *ConvLayer, outLen int) int { return outLen * numel(l.W) }
	block := func(r *ResidualTemporalBlock, L int) int {
		n := conv(r.Blocks[0].Conv, L) + conv(r.Blocks[1].Conv, L) + linear(r.TimeMLP)
		if r.Residual != nil {
			n += conv(r.Residual, L)
		}
		return n
	}
	n := linear(u.timeMLP[0]) + linear(u.timeMLP[1])
	if u.cfg.CondDim > 0 {
		n += linear(u.condMLP[0]) + linear(u.condMLP[1]) + linear(u.condMLP[2])
	}
	L := u.cfg.Horizon
	for i, d := range u.downs {
		n += block(d[0], L) + block(d[1], L)
		if i < len(u.downsample) {
			L /= 2
			n += conv(u.downsample[i], L)
		}
	}
	n += block(u.mid[0], L) + block(u.mid[1], L)
	for i, up := range u.ups {
		n += block(up[0], L) + block(up[1], L)
		// A transposed convolution does kernel x in x out MACs per input position, the
		// resize-convolution's Conv1d as many per output position.
		if u.cfg.Upsample == UpsampleNearest {
			n += conv(u.upsample[i], 2*L)
		} else {
			n += conv(u.upsample[i], L)
		}
		L *= 2
	}
	return n + conv(u.final.Conv, L) + conv(u.finalConv, L)
}
