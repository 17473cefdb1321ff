//go:build cuda || trajdiff_cuda

package gpu

import "fmt"

// EGTN's input assembly and priors on the device (kernels/egtn_prior.cu).

// rowGather is one tiling of tile_rows_f32: for b < B, f < F, p < P, j < W,
// y[(b YBS + f P + p) YStride + YOff + j] = src[b SBS + SOff + p SPS + j].
type rowGather struct{ B, F, P, W, YBS, YStride, YOff, SBS, SOff, SPS int }

// tileRows enqueues the gather g from src into y, checking that every index stays inside both buffers.
func (s *Stream) tileRows(y, src Buffer, g rowGather) error {
	if g.B < 1 || g.F < 1 || g.P < 1 || g.W < 1 || g.YBS < 0 || g.YOff < 0 || g.YStride < g.YOff+g.W || g.SBS < 0 || g.SOff < 0 || g.SPS < 0 {
		return fmt.Errorf("gpu: row gather %+v", g)
	}
	ymax := ((g.B-1)*g.YBS+(g.F-1)*g.P+g.P-1)*g.YStride + g.YOff + g.W
	smax := (g.B-1)*g.SBS + g.SOff + (g.P-1)*g.SPS + g.W
	if ymax > y.n || smax > src.n {
		return fmt.Errorf("gpu: row gather %+v reaches %d of %d and %d of %d values", g, ymax, y.n, smax, src.n)
	}
	return s.d.do(func() error {
		return s.grid1(kTileRows, int64(g.B*g.F*g.P*g.W), pArg(y.ptr), pArg(src.ptr), iArg(int64(g.B)), iArg(int64(g.F)), iArg(int64(g.P)),
			iArg(int64(g.W)), iArg(int64(g.YBS)), iArg(int64(g.YStride)), iArg(int64(g.YOff)), iArg(int64(g.SBS)), iArg(int64(g.SOff)), iArg(int64(g.SPS)))
	})
}

// centroid enqueues y [b, Q, d] = the mean of the p points (d values each) at src + b sbs, for every example.
func (s *Stream) centroid(y, src Buffer, batch, p, q, d, sbs int) error {
	if batch < 1 || p < 1 || q < 1 || d < 1 || sbs < 0 || y.n != batch*q*d || (batch-1)*sbs+p*d > src.n {
		return fmt.Errorf("gpu: centroid of %d x %d points into %d x %d (d %d, stride %d): src %d, y %d values", batch, p, batch, q, d, sbs, src.n, y.n)
	}
	return s.d.do(func() error {
		return s.grid1(kCentroid, int64(y.n), pArg(y.ptr), pArg(src.ptr), iArg(int64(batch)), iArg(int64(p)), iArg(int64(q)), iArg(int64(d)), iArg(int64(sbs)))
	})
}

// center enqueues y [batch, p, d] = x minus each example's mean point. y must not overlap x.
func (s *Stream) center(y, x Buffer, batch, p, d int) error {
	if batch < 1 || p < 1 || d < 1 || x.n != batch*p*d || y.n != x.n || overlaps(y, x) {
		return fmt.Errorf("gpu: centring %d x %d points of %d: x %d, y %d values (y must not overlap x)", batch, p, d, x.n, y.n)
	}
	return s.d.do(func() error {
		return s.grid1(kCenter, int64(y.n), pArg(y.ptr), pArg(x.ptr), iArg(int64(batch)), iArg(int64(p)), iArg(int64(d)))
	})
}

// convexFrameMix enqueues GeoTDM's learned prior y [batch, tf, n, d] from the prior network's condition frames
// xh [batch, tc, n, d], its features h [batch tc n, hdim] (the weights are their row means) and gamma [tf].
func (s *Stream) convexFrameMix(y, xh, h, gamma Buffer, batch, tc, tf, n, d, hdim int) error {
	if batch < 1 || tc < 1 || tf < 1 || n < 1 || d < 1 || hdim < 1 || xh.n != batch*tc*n*d || h.n != batch*tc*n*hdim || gamma.n != tf || y.n != batch*tf*n*d {
		return fmt.Errorf("gpu: convex frame mix of %d x %d frames to %d (%d nodes, d %d, h %d): xh %d, h %d, gamma %d, y %d values",
			batch, tc, tf, n, d, hdim, xh.n, h.n, gamma.n, y.n)
	}
	return s.d.do(func() error {
		return s.grid1(kConvexFrameMix, int64(y.n), pArg(y.ptr), pArg(xh.ptr), pArg(h.ptr), pArg(gamma.ptr), iArg(int64(batch)), iArg(int64(tc)),
			iArg(int64(tf)), iArg(int64(n)), iArg(int64(d)), iArg(int64(hdim)))
	})
}
