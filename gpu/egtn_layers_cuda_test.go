//go:build cuda || trajdiff_cuda

package gpu

import (
	"math"
	"testing"
)

// Float64 references of EGTN's layer kernels, written from GeoTDM's equations (nn/ops_graph.go,
// nn/ops_reltime.go) on the explicit (example, frame, node) indices rather than the kernels' row arithmetic.

// egtnEdges lists, for every node row in (example, frame, node) order, the rows of its source nodes j != n
// in increasing j.
func egtnEdges(g GraphFrames) [][2]int {
	var e [][2]int
	for b := 0; b < g.Batch; b++ {
		for f := 0; f < g.Frames; f++ {
			for n := 0; n < g.Nodes; n++ {
				for j := 0; j < g.Nodes; j++ {
					if j != n {
						e = append(e, [2]int{(b*g.Frames+f)*g.Nodes + n, (b*g.Frames+f)*g.Nodes + j})
					}
				}
			}
		}
	}
	return e
}

func silu64(v float64) float64 { return v / (1 + math.Exp(-v)) }

// egtnSpatialHost is the spatial layer's edge part in float64: dx, |dx|^2, the activated first edge Linear
// silu(a[r] + b[s] + c[e]), the per-node sum of m (the same rows), and the coordinate update with phi.
func egtnSpatialHost(g GraphFrames, x, a, b, c, m, phi []float32, d, h int) (dx, d2, pre, sum, xo []float64) {
	E := egtnEdges(g)
	S := g.Nodes - 1
	dx, d2, pre = make([]float64, len(E)*d), make([]float64, len(E)), make([]float64, len(E)*h)
	sum, xo = make([]float64, g.Rows()*h), make([]float64, g.Rows()*d)
	for e, rs := range E {
		r, s := rs[0], rs[1]
		for i := 0; i < d; i++ {
			v := float64(x[r*d+i]) - float64(x[s*d+i])
			dx[e*d+i] = v
			d2[e] += v * v
		}
		for i := 0; i < h; i++ {
			pre[e*h+i] = silu64(float64(a[r*h+i]) + float64(b[s*h+i]) + float64(c[e*h+i]))
			sum[r*h+i] += float64(m[e*h+i])
		}
	}
	for r := 0; r < g.Rows(); r++ {
		for i := 0; i < d; i++ {
			xo[r*d+i] = float64(x[r*d+i])
		}
	}
	for e, rs := range E {
		n := math.Sqrt(d2[e] + CoordEps)
		for i := 0; i < d; i++ {
			xo[rs[0]*d+i] += dx[e*d+i] * float64(phi[e]) / float64(S) / (n + 1)
		}
	}
	return
}

// TestGPUEGTNSpatialKernelsMatchHost: the spatial layer's kernels (edge geometry, the edge Linear's node-level
// combination with SiLU, the aggregation of messages into a strided node row, the normalised coordinate
// update) match their float64 definitions, for frames of two to six nodes in two and three dimensions, with
// two nodes coincident (the eps in the normalisation).
func TestGPUEGTNSpatialKernelsMatchHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, c := range []struct {
		g        GraphFrames
		d, h, ef int
	}{{GraphFrames{2, 3, 5}, 3, 8, 2}, {GraphFrames{1, 1, 2}, 2, 4, 0}, {GraphFrames{3, 4, 6}, 3, 16, 1}} {
		g, d, h := c.g, c.d, c.h
		R, E := g.Rows(), g.EdgeRows()
		seed := uint64(400 + 10*i)
		x := randomF32(seed, R*d, 1.5)
		copy(x[d:2*d], x[:d]) // nodes 0 and 1 of the first frame coincide
		a, b, cc := randomF32(seed+1, R*h, 1), randomF32(seed+2, R*h, 1), randomF32(seed+3, E*h, 1)
		m, phi := randomF32(seed+4, E*h, 1), randomF32(seed+5, E, 2)
		wdx, wd2, wpre, wsum, wxo := egtnSpatialHost(g, x, a, b, cc, m, phi, d, h)

		stride := 1 + c.ef
		ddx, dde, dx := upload(t, make([]float32, E*d)), upload(t, make([]float32, E*stride)), upload(t, x)
		check := func(what string, got []float32, want []float64, tol float64) {
			t.Helper()
			r := compare(got, want)
			worst = math.Max(worst, r.MaxAbs)
			if !(r.MaxAbs <= tol) {
				t.Errorf("%+v %s: max |device - host| %.3g > %.0e", g, what, r.MaxAbs, tol)
			}
		}
		if err := s.EdgeGeom(ddx, dde, dx, g, d, stride); err != nil {
			t.Fatal(err)
		}
		check("dx", download(t, ddx), wdx, forwardTolFP32)
		de := download(t, dde)
		col := make([]float32, E)
		for e := range col {
			col[e] = de[e*stride]
		}
		check("|dx|^2", col, wd2, forwardTolFP32)

		y := upload(t, make([]float32, E*h))
		if err := s.EdgeCombineAct(y, upload(t, a), upload(t, b), upload(t, cc), g, h, ActSiLU); err != nil {
			t.Fatal(err)
		}
		check("edge combination", download(t, y), wpre, forwardTolFP32)

		// The sum lands in the right half of a [R, 2h] row (the node MLP's input [h | m]); the left half keeps
		// its values.
		left := randomF32(seed+6, R*2*h, 1)
		hm := upload(t, left)
		if err := s.SegmentSum(hm.Slice(h, R*2*h), upload(t, m), R, g.Nodes-1, h, 2*h, h); err == nil {
			t.Error("a segment sum into a buffer of the wrong length was accepted")
		}
		if err := s.SegmentSum(hm, upload(t, m), R, g.Nodes-1, h, 2*h, h); err != nil {
			t.Fatal(err)
		}
		got := download(t, hm)
		sums := make([]float32, R*h)
		for r := 0; r < R; r++ {
			copy(sums[r*h:(r+1)*h], got[r*2*h+h:(r+1)*2*h])
			for j := 0; j < h; j++ {
				if got[r*2*h+j] != left[r*2*h+j] {
					t.Fatalf("%+v: the segment sum wrote outside its columns (row %d, column %d)", g, r, j)
				}
			}
		}
		check("segment sum", sums, wsum, forwardTolFP32)

		xo := upload(t, make([]float32, R*d))
		if err := s.EdgeCoordUpdate(xo, dx, ddx, upload(t, phi), g, d); err != nil {
			t.Fatal(err)
		}
		check("coordinate update", download(t, xo), wxo, forwardTolFP32)
		// In place (y = x) gives the same values.
		if err := s.EdgeCoordUpdate(dx, dx, ddx, upload(t, phi), g, d); err != nil {
			t.Fatal(err)
		}
		check("coordinate update in place", download(t, dx), wxo, forwardTolFP32)
	}
	t.Logf("EGTN spatial kernels: worst |device - host| %.3g (tolerance %.0e)", worst, forwardTolFP32)
	if err := s.EdgeGeom(upload(t, make([]float32, 1)), upload(t, make([]float32, 1)), upload(t, make([]float32, 3)), GraphFrames{1, 1, 1}, 3, 1); err == nil {
		t.Error("a frame of one node (no edges) was accepted")
	}
}

// egtnTemporalHost is the temporal layer in float64 on explicit (example, node, frame) indices: the
// attention weights softmax_s(q_t . (k_s + psi_ts)), the feature update h_t + sum_s A_ts (v_s + psi_ts) and the
// coordinate update x_t + sum_s A_ts w_s (x_t - x_s).
func egtnTemporalHost(g GraphFrames, q, k, v, psi, hin, x, w []float32, h, d int) (A, hy, xy []float64) {
	F := g.Frames
	A, hy, xy = make([]float64, g.Groups()*F*F), make([]float64, len(hin)), make([]float64, len(x))
	row := func(b, f, n int) int { return (b*F+f)*g.Nodes + n }
	for b := 0; b < g.Batch; b++ {
		for n := 0; n < g.Nodes; n++ {
			grp := b*g.Nodes + n
			for t := 0; t < F; t++ {
				rt := row(b, t, n)
				l := make([]float64, F)
				mx := math.Inf(-1)
				for s := 0; s < F; s++ {
					rs := row(b, s, n)
					for i := 0; i < h; i++ {
						l[s] += float64(q[rt*h+i]) * (float64(k[rs*h+i]) + float64(psi[(t*F+s)*h+i]))
					}
					mx = math.Max(mx, l[s])
				}
				z := 0.0
				for s := range l {
					l[s] = math.Exp(l[s] - mx)
					z += l[s]
				}
				for s := range l {
					A[(grp*F+t)*F+s] = l[s] / z
				}
				for i := 0; i < h; i++ {
					hy[rt*h+i] = float64(hin[rt*h+i])
				}
				for i := 0; i < d; i++ {
					xy[rt*d+i] = float64(x[rt*d+i])
				}
				for s := 0; s < F; s++ {
					rs, a := row(b, s, n), A[(grp*F+t)*F+s]
					for i := 0; i < h; i++ {
						hy[rt*h+i] += a * (float64(v[rs*h+i]) + float64(psi[(t*F+s)*h+i]))
					}
					for i := 0; i < d; i++ {
						xy[rt*d+i] += a * float64(w[rs]) * (float64(x[rt*d+i]) - float64(x[rs*d+i]))
					}
				}
			}
		}
	}
	return
}

// TestGPUEGTNTemporalKernelsMatchHost: the relative-time attention (weights, feature update with its
// residual) and the temporal coordinate update match their float64 definitions, for one to seven frames,
// with a logit large enough that a softmax without its max shift overflows float32; the feature update in
// place gives the same values, and a coordinate update in place is refused.
func TestGPUEGTNTemporalKernelsMatchHost(t *testing.T) {
	s := testStream(t)
	worst := 0.0
	for i, c := range []struct {
		g    GraphFrames
		h, d int
	}{{GraphFrames{2, 5, 3}, 8, 3}, {GraphFrames{1, 1, 2}, 4, 2}, {GraphFrames{3, 7, 4}, 16, 3}} {
		g, h, d := c.g, c.h, c.d
		R, F := g.Rows(), g.Frames
		seed := uint64(500 + 10*i)
		q, k, v := randomF32(seed, R*h, 1), randomF32(seed+1, R*h, 1), randomF32(seed+2, R*h, 1)
		psi, hin := randomF32(seed+3, F*F*h, 1), randomF32(seed+4, R*h, 1)
		x, w := randomF32(seed+5, R*d, 1.5), randomF32(seed+6, R, 1)
		q[0], k[0] = 30, 4 // q_0 . k_0 = 120: exp overflows float32 without the shift
		wA, wh, wx := egtnTemporalHost(g, q, k, v, psi, hin, x, w, h, d)
		check := func(what string, got []float32, want []float64) {
			t.Helper()
			r := compare(got, want)
			worst = math.Max(worst, r.MaxAbs/math.Max(1, maxAbs(want)))
			if !(r.MaxAbs <= forwardTolFP32*math.Max(1, maxAbs(want))) {
				t.Errorf("%+v %s: max |device - host| %.3g > %.0e (scale %.3g)", g, what, r.MaxAbs, forwardTolFP32, maxAbs(want))
			}
		}
		A, dpsi := upload(t, make([]float32, g.Groups()*F*F)), upload(t, psi)
		if err := s.RelAttnWeights(A, upload(t, q), upload(t, k), dpsi, g, h); err != nil {
			t.Fatal(err)
		}
		check("attention weights", download(t, A), wA)
		dh, dv := upload(t, hin), upload(t, v)
		y := upload(t, make([]float32, R*h))
		if err := s.RelAttnApply(y, dh, A, dv, dpsi, g, h); err != nil {
			t.Fatal(err)
		}
		check("feature update", download(t, y), wh)
		if err := s.RelAttnApply(dh, dh, A, dv, dpsi, g, h); err != nil {
			t.Fatal(err)
		}
		check("feature update in place", download(t, dh), wh)
		dx, xo := upload(t, x), upload(t, make([]float32, R*d))
		if err := s.TemporalCoord(xo, dx, A, upload(t, w), g, d); err != nil {
			t.Fatal(err)
		}
		check("coordinate update", download(t, xo), wx)
		if err := s.TemporalCoord(dx, dx, A, upload(t, w), g, d); err == nil {
			t.Error("a temporal coordinate update in place was accepted")
		}
	}
	t.Logf("EGTN temporal kernels: worst |device - host| / max(1, |host|) %.3g (tolerance %.0e)", worst, forwardTolFP32)
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// egtnLayerOnDevice runs one spatial and one temporal EGTN layer on coordinates x [Rows, 3] with the kernels,
// with invariant inputs derived only from squared distances (the edge Linear's edge part c_e = |dx_e|^2 u,
// the coordinate weights phi_e the first message channel, q = k = v = the aggregated messages), and returns
// the new coordinates and features.
func egtnLayerOnDevice(t *testing.T, s *Stream, g GraphFrames, x []float32, a, b, u, psi, w []float32, h int) (xo, ho []float32) {
	t.Helper()
	const d = 3
	R, E, S := g.Rows(), g.EdgeRows(), g.Nodes-1
	dx, de, dxb := upload(t, make([]float32, E*d)), upload(t, make([]float32, E)), upload(t, x)
	if err := s.EdgeGeom(dx, de, dxb, g, d, 1); err != nil {
		t.Fatal(err)
	}
	d2 := download(t, de)
	c := make([]float32, E*h)
	for e := range d2 {
		for i := 0; i < h; i++ {
			c[e*h+i] = d2[e] * u[i]
		}
	}
	m := upload(t, make([]float32, E*h))
	if err := s.EdgeCombineAct(m, upload(t, a), upload(t, b), upload(t, c), g, h, ActSiLU); err != nil {
		t.Fatal(err)
	}
	hm := upload(t, make([]float32, R*h))
	if err := s.SegmentSum(hm, m, R, S, h, h, 0); err != nil {
		t.Fatal(err)
	}
	mv := download(t, m)
	phi := make([]float32, E)
	for e := range phi {
		phi[e] = mv[e*h]
	}
	x1 := upload(t, make([]float32, R*d))
	if err := s.EdgeCoordUpdate(x1, dxb, dx, upload(t, phi), g, d); err != nil {
		t.Fatal(err)
	}
	A := upload(t, make([]float32, g.Groups()*g.Frames*g.Frames))
	dpsi := upload(t, psi)
	if err := s.RelAttnWeights(A, hm, hm, dpsi, g, h); err != nil {
		t.Fatal(err)
	}
	x2, h2 := upload(t, make([]float32, R*d)), upload(t, make([]float32, R*h))
	if err := s.TemporalCoord(x2, x1, A, upload(t, w), g, d); err != nil {
		t.Fatal(err)
	}
	if err := s.RelAttnApply(h2, hm, A, hm, dpsi, g, h); err != nil {
		t.Fatal(err)
	}
	return download(t, x2), download(t, h2)
}

// TestGPUEGTNKernelsAreEquivariant: a spatial and a temporal layer built from the kernels commute with rigid
// motions, as GeoTDM's layers do (E(3) equivariance of EGNN, Satorras et al. 2021): rotating and translating
// the input coordinates rotates and translates the output coordinates and leaves the features unchanged, to
// float32 rounding (relative 1e-5 of the coordinates' scale).
func TestGPUEGTNKernelsAreEquivariant(t *testing.T) {
	s := testStream(t)
	g, h := GraphFrames{Batch: 2, Frames: 4, Nodes: 5}, 8
	R := g.Rows()
	x := randomF32(600, R*3, 1)
	a, b, u := randomF32(601, R*h, 0.5), randomF32(602, R*h, 0.5), randomF32(603, h, 0.5)
	psi, w := randomF32(604, g.Frames*g.Frames*h, 0.3), randomF32(605, R, 0.5)
	// A rotation from a unit quaternion, and a translation.
	qv := randomF32(606, 4, 1)
	qn := math.Sqrt(float64(qv[0]*qv[0] + qv[1]*qv[1] + qv[2]*qv[2] + qv[3]*qv[3]))
	qw, qx, qy, qz := float64(qv[0])/qn, float64(qv[1])/qn, float64(qv[2])/qn, float64(qv[3])/qn
	rot := [3][3]float64{
		{1 - 2*(qy*qy+qz*qz), 2 * (qx*qy - qz*qw), 2 * (qx*qz + qy*qw)},
		{2 * (qx*qy + qz*qw), 1 - 2*(qx*qx+qz*qz), 2 * (qy*qz - qx*qw)},
		{2 * (qx*qz - qy*qw), 2 * (qy*qz + qx*qw), 1 - 2*(qx*qx+qy*qy)},
	}
	shift := [3]float64{3, -2, 0.5}
	move := func(v []float32) []float64 {
		out := make([]float64, len(v))
		for r := 0; r < len(v)/3; r++ {
			for i := 0; i < 3; i++ {
				out[r*3+i] = shift[i]
				for j := 0; j < 3; j++ {
					out[r*3+i] += rot[i][j] * float64(v[r*3+j])
				}
			}
		}
		return out
	}
	xm := make([]float32, len(x))
	for i, v := range move(x) {
		xm[i] = float32(v)
	}
	x0, h0 := egtnLayerOnDevice(t, s, g, x, a, b, u, psi, w, h)
	x1, h1 := egtnLayerOnDevice(t, s, g, xm, a, b, u, psi, w, h)
	const tol = 1e-5
	want := move(x0)
	rx := compare(x1, want)
	scale := maxAbs(want)
	if !(rx.MaxAbs <= tol*scale) {
		t.Errorf("coordinates: max |f(Qx + t) - (Q f(x) + t)| %.3g > %.0e x %.3g", rx.MaxAbs, tol, scale)
	}
	h0d := make([]float64, len(h0))
	for i, v := range h0 {
		h0d[i] = float64(v)
	}
	rh := compare(h1, h0d)
	if !(rh.MaxAbs <= tol*math.Max(1, maxAbs(h0d))) {
		t.Errorf("features: max |h(Qx + t) - h(x)| %.3g > %.0e", rh.MaxAbs, tol)
	}
	t.Logf("equivariance: coordinates %.3g (scale %.3g), features %.3g", rx.MaxAbs, scale, rh.MaxAbs)
	// The layers do move the coordinates (the check is not vacuous).
	moved := 0.0
	for i := range x0 {
		moved = math.Max(moved, math.Abs(float64(x0[i]-x[i])))
	}
	if moved < 1e-3 {
		t.Errorf("the layers moved no coordinate by more than %.3g", moved)
	}
}
