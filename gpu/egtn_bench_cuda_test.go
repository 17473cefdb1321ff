//go:build cuda || trajdiff_cuda

package gpu

import "testing"

// BenchmarkGPUEGTNLayers is EGTN's layer kernels alone (edge geometry, edge combination with SiLU, segment
// sum, coordinate update, relative-time attention weights and update, temporal coordinate update) at
// GeoTDM's N-body forecasting size: 32 examples of 30 frames of 5 nodes in 3-D, hidden width 128. It reports
// node rows per second through one spatial and one temporal layer's kernels (the Linear layers between
// them are linear_f32's, measured by the network benchmarks).
func BenchmarkGPUEGTNLayers(b *testing.B) {
	g, h, d := GraphFrames{Batch: 32, Frames: 30, Nodes: 5}, 128, 3
	s := testStream(b)
	R, E, F := g.Rows(), g.EdgeRows(), g.Frames
	x, dx, de, xo := benchBuffers(b, s, R*d, 1)[0], benchBuffers(b, s, E*d, 1)[0], benchBuffers(b, s, E, 1)[0], benchBuffers(b, s, R*d, 1)[0]
	nodes := benchBuffers(b, s, R*h, 4) // a, b, the [h | m] halves' source, h out
	edges := benchBuffers(b, s, E*h, 2) // c, messages
	phi, w := benchBuffers(b, s, E, 1)[0], benchBuffers(b, s, R, 1)[0]
	hm := benchBuffers(b, s, R*2*h, 1)[0]
	A, psi := benchBuffers(b, s, g.Groups()*F*F, 1)[0], benchBuffers(b, s, F*F*h, 1)[0]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, err := range []error{
			s.EdgeGeom(dx, de, x, g, d, 1),
			s.EdgeCombineAct(edges[1], nodes[0], nodes[1], edges[0], g, h, ActSiLU),
			s.SegmentSum(hm, edges[1], R, g.Nodes-1, h, 2*h, h),
			s.EdgeCoordUpdate(xo, x, dx, phi, g, d),
			s.RelAttnWeights(A, nodes[0], nodes[1], psi, g, h),
			s.RelAttnApply(nodes[3], nodes[2], A, nodes[1], psi, g, h),
			s.TemporalCoord(x, xo, A, w, g, d),
		} {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := s.Synchronize(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(R)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
