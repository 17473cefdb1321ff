//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"

	"gorgonia.org/cu"
)

// Layer kernels of EGTN (GeoTDM's equivariant network, nn's EGTN): the spatial layer's edge geometry, first
// edge Linear from node-level products, message aggregation and coordinate update (kernels/egtn_graph.cu),
// and the temporal layer's relative-time attention and coordinate update (kernels/egtn_time.cu). Each
// enqueues on the stream, allocates nothing and can be captured into a graph.

// GraphFrames is the node layout of EGTN's layers: Batch examples of Frames frames of Nodes nodes, one row per
// (example, frame, node), r = (b Frames + f) Nodes + n (nn's kern.Frames). Every frame is a complete graph
// without self loops; the Nodes-1 edges into row r are the edge rows r (Nodes-1) + k, from node k for k < n
// and k+1 otherwise.
type GraphFrames struct{ Batch, Frames, Nodes int }

// Rows is the number of node rows, Batch Frames Nodes.
func (g GraphFrames) Rows() int { return g.Batch * g.Frames * g.Nodes }

// EdgeRows is the number of edge rows, Rows (Nodes-1).
func (g GraphFrames) EdgeRows() int { return g.Rows() * (g.Nodes - 1) }

// Groups is the number of temporal-attention groups (one per example and node), Batch Nodes.
func (g GraphFrames) Groups() int { return g.Batch * g.Nodes }

func (g GraphFrames) check(what string) error {
	if g.Batch < 1 || g.Frames < 1 || g.Nodes < 2 {
		return fmt.Errorf("gpu: %s on %+v: at least one example and frame, and two nodes", what, g)
	}
	return nil
}

// CoordEps keeps the EGNN coordinate normalisation differentiable at coincident nodes (GeoTDM's 1e-8, nn's
// kern.CoordEps).
const CoordEps = 1e-8

// EdgeGeom enqueues the edge geometry of the spatial layer: dx[e] = x[r] - x[source] (x [Rows, d], dx
// [EdgeRows, d]) and the squared length |dx[e]|^2 into column 0 of row e of de [EdgeRows, deStride] (the
// other columns, the edge attributes, are left as they are).
func (s *Stream) EdgeGeom(dx, de, x Buffer, g GraphFrames, d, deStride int) error {
	if err := g.check("edge geometry"); err != nil {
		return err
	}
	if d < 1 || deStride < 1 || x.n != g.Rows()*d || dx.n != g.EdgeRows()*d || de.n != g.EdgeRows()*deStride {
		return fmt.Errorf("gpu: edge geometry on %+v, d %d, stride %d: x %d, dx %d, de %d values", g, d, deStride, x.n, dx.n, de.n)
	}
	return s.d.do(func() error {
		return s.grid1(kEdgeGeom, int64(g.EdgeRows()), pArg(dx.ptr), pArg(de.ptr), pArg(x.ptr), iArg(int64(g.Rows())),
			iArg(int64(g.Nodes)), iArg(int64(d)), iArg(int64(deStride)))
	})
}

// EdgeCombineAct enqueues y[e] = act(a[r] + b[source] + c[e]) over the edges: the first Linear of the edge
// MLP on [h_r, h_source, de_e] from the node-level projections a = W_i h + bias and b = W_j h (a, b [Rows, h])
// and the edge-level part c = W_e de (c, y [EdgeRows, h]).
func (s *Stream) EdgeCombineAct(y, a, b, c Buffer, g GraphFrames, h int, act Activation) error {
	if err := g.check("edge combination"); err != nil {
		return err
	}
	if h < 1 || a.n != g.Rows()*h || b.n != a.n || c.n != g.EdgeRows()*h || y.n != c.n {
		return fmt.Errorf("gpu: edge combination on %+v, h %d: a %d, b %d, c %d, y %d values", g, h, a.n, b.n, c.n, y.n)
	}
	if act < ActIdentity || act > ActReLU {
		return fmt.Errorf("gpu: edge combination activation %v", act)
	}
	return s.d.do(func() error {
		return s.grid1(kEdgeCombineAct, int64(y.n), pArg(y.ptr), pArg(a.ptr), pArg(b.ptr), pArg(c.ptr),
			iArg(int64(g.Rows())), iArg(int64(g.Nodes)), iArg(int64(h)), iArg(int64(act)))
	})
}

// SegmentSum enqueues y[r, off:off+c] = sum of the seg consecutive rows x[r seg .. r seg + seg - 1] (x
// [rows seg, c]), summed in row order by one thread (no atomics: the bits do not depend on the schedule),
// into columns [off, off+c) of y [rows, yStride] (the other columns are left as they are; the node MLP's
// input [h | m] takes the sum at off = c).
func (s *Stream) SegmentSum(y, x Buffer, rows, seg, c, yStride, off int) error {
	if rows < 1 || seg < 1 || c < 1 || off < 0 || off+c > yStride || x.n != rows*seg*c || y.n != rows*yStride {
		return fmt.Errorf("gpu: segment sum of %d x %d rows of %d into columns [%d, %d) of stride %d: x %d, y %d values", rows, seg, c, off, off+c, yStride, x.n, y.n)
	}
	return s.d.do(func() error {
		return s.grid1(kSegmentSum, int64(rows*c), pArg(y.ptr+cu.DevicePtr(4*off)), pArg(x.ptr), iArg(int64(rows)), iArg(int64(seg)),
			iArg(int64(c)), iArg(int64(yStride)))
	})
}

// EdgeCoordUpdate enqueues the EGNN coordinate update with GeoTDM's normalisation,
// y[r] = x[r] + (1/S) sum_k dx[e] phi[e] / (sqrt(|dx[e]|^2 + CoordEps) + 1), e = r S + k, S = Nodes-1
// (x, y [Rows, d], dx [EdgeRows, d], phi [EdgeRows]). y may be x.
func (s *Stream) EdgeCoordUpdate(y, x, dx, phi Buffer, g GraphFrames, d int) error {
	if err := g.check("edge coordinate update"); err != nil {
		return err
	}
	if d < 1 || x.n != g.Rows()*d || y.n != x.n || dx.n != g.EdgeRows()*d || phi.n != g.EdgeRows() {
		return fmt.Errorf("gpu: edge coordinate update on %+v, d %d: x %d, y %d, dx %d, phi %d values", g, d, x.n, y.n, dx.n, phi.n)
	}
	return s.d.do(func() error {
		return s.grid1(kEdgeCoordUpdate, int64(y.n), pArg(y.ptr), pArg(x.ptr), pArg(dx.ptr), pArg(phi.ptr),
			iArg(int64(g.Rows())), iArg(int64(g.Nodes-1)), iArg(int64(d)), fArg(CoordEps))
	})
}

// RelAttnWeights enqueues GeoTDM's temporal attention weights, per node over its frames (one head, no
// 1/sqrt(h) scaling): a[g, t, s] = softmax_s(q_t . (k_s + psi[t, s])), q, k [Rows, h], psi [Frames, Frames,
// h], a [Groups, Frames, Frames].
func (s *Stream) RelAttnWeights(a, q, k, psi Buffer, g GraphFrames, h int) error {
	if err := g.check("relative-time attention"); err != nil {
		return err
	}
	F := g.Frames
	if h < 1 || q.n != g.Rows()*h || k.n != q.n || psi.n != F*F*h || a.n != g.Groups()*F*F {
		return fmt.Errorf("gpu: relative-time attention on %+v, h %d: q %d, k %d, psi %d, a %d values", g, h, q.n, k.n, psi.n, a.n)
	}
	return s.d.do(func() error {
		return s.grid1(kRelAttnWeights, int64(g.Groups()*F), pArg(a.ptr), pArg(q.ptr), pArg(k.ptr), pArg(psi.ptr),
			iArg(int64(g.Groups())), iArg(int64(F)), iArg(int64(g.Nodes)), iArg(int64(h)))
	})
}

// RelAttnApply enqueues the temporal attention's feature update with its residual,
// y_t = hin_t + sum_s a[g, t, s] (v_s + psi[t, s]) (hin, v, y [Rows, h]). y may be hin.
func (s *Stream) RelAttnApply(y, hin, a, v, psi Buffer, g GraphFrames, h int) error {
	if err := g.check("relative-time attention"); err != nil {
		return err
	}
	F := g.Frames
	if h < 1 || hin.n != g.Rows()*h || v.n != hin.n || y.n != hin.n || psi.n != F*F*h || a.n != g.Groups()*F*F {
		return fmt.Errorf("gpu: relative-time attention update on %+v, h %d: h %d, v %d, y %d, psi %d, a %d values", g, h, hin.n, v.n, y.n, psi.n, a.n)
	}
	return s.d.do(func() error {
		return s.grid1(kRelAttnApply, int64(y.n), pArg(y.ptr), pArg(hin.ptr), pArg(a.ptr), pArg(v.ptr), pArg(psi.ptr),
			iArg(int64(g.Groups())), iArg(int64(F)), iArg(int64(g.Nodes)), iArg(int64(h)))
	})
}

// TemporalCoord enqueues the temporal coordinate update with its residual,
// y_t = x_t + sum_s a[g, t, s] w_s (x_t - x_s) (x, y [Rows, d], w [Rows]). y must not overlap x.
func (s *Stream) TemporalCoord(y, x, a, w Buffer, g GraphFrames, d int) error {
	if err := g.check("temporal coordinate update"); err != nil {
		return err
	}
	F := g.Frames
	if d < 1 || x.n != g.Rows()*d || y.n != x.n || w.n != g.Rows() || a.n != g.Groups()*F*F {
		return fmt.Errorf("gpu: temporal coordinate update on %+v, d %d: x %d, y %d, w %d, a %d values", g, d, x.n, y.n, w.n, a.n)
	}
	if overlaps(y, x) {
		return fmt.Errorf("gpu: temporal coordinate update: y overlaps x")
	}
	return s.d.do(func() error {
		return s.grid1(kTemporalCoord, int64(y.n), pArg(y.ptr), pArg(x.ptr), pArg(a.ptr), pArg(w.ptr),
			iArg(int64(g.Groups())), iArg(int64(F)), iArg(int64(g.Nodes)), iArg(int64(d)))
	})
}

// overlaps reports whether two buffers share any device memory.
func overlaps(a, b Buffer) bool {
	const f32 = 4
	lo, hi := uint64(a.ptr), uint64(a.ptr)+uint64(a.n)*f32
	return uint64(b.ptr) < hi && lo < uint64(b.ptr)+uint64(b.n)*f32
}
