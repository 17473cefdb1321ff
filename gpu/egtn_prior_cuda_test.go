//go:build cuda || trajdiff_cuda

package gpu

import (
	"math"
	"testing"
)

// TestGPUEGTNPriorKernelsMatchHost: EGTN's input gather moves every value where its index formula says (bit
// for bit, shared and per-example sources), and the centre-of-mass prior, the centring and GeoTDM's convex
// frame mix match their float64 definitions; the convex frame mix commutes with translations.
func TestGPUEGTNPriorKernelsMatchHost(t *testing.T) {
	s := testStream(t)
	// Gather: node features of 3 examples (rows of a condition 40 wide, at offset 7) tiled over 4 frames into
	// columns [2, 5) of rows 6 wide.
	g := rowGather{B: 3, F: 4, P: 2, W: 3, YBS: 8, YStride: 6, YOff: 2, SBS: 40, SOff: 7, SPS: 3}
	src := randomF32(700, 120, 1)
	init := randomF32(701, 3*8*6, 1)
	y := upload(t, init)
	if err := s.tileRows(y, upload(t, src), g); err != nil {
		t.Fatal(err)
	}
	want := append([]float32(nil), init...)
	for b := 0; b < g.B; b++ {
		for f := 0; f < g.F; f++ {
			for p := 0; p < g.P; p++ {
				for j := 0; j < g.W; j++ {
					want[(b*g.YBS+f*g.P+p)*g.YStride+g.YOff+j] = src[b*g.SBS+g.SOff+p*g.SPS+j]
				}
			}
		}
	}
	for i, v := range download(t, y) {
		if v != want[i] {
			t.Fatalf("gather: value %d is %v, want %v", i, v, want[i])
		}
	}
	g.SOff = 80 // reaches past the source
	if err := s.tileRows(y, upload(t, src), g); err == nil {
		t.Error("a gather reaching past its source was accepted")
	}

	const B, Tc, Tf, N, D, H = 3, 4, 5, 3, 3, 6
	cond := randomF32(702, B*50, 2)
	check := func(what string, got []float32, want []float64) {
		t.Helper()
		if r := compare(got, want); !(r.MaxAbs <= forwardTolFP32*math.Max(1, maxAbs(want))) {
			t.Errorf("%s: max |device - host| %.3g", what, r.MaxAbs)
		}
	}
	// Centroid of each example's Tc N points (the first values of its condition row of 50) over Tf N points.
	yc := upload(t, make([]float32, B*Tf*N*D))
	if err := s.centroid(yc, upload(t, cond), B, Tc*N, Tf*N, D, 50); err != nil {
		t.Fatal(err)
	}
	wc := make([]float64, B*Tf*N*D)
	for b := 0; b < B; b++ {
		for i := 0; i < D; i++ {
			m := 0.0
			for p := 0; p < Tc*N; p++ {
				m += float64(cond[b*50+p*D+i])
			}
			for q := 0; q < Tf*N; q++ {
				wc[(b*Tf*N+q)*D+i] = m / (Tc * N)
			}
		}
	}
	check("centroid", download(t, yc), wc)
	// Centring.
	x := randomF32(703, B*Tf*N*D, 1)
	yz := upload(t, make([]float32, len(x)))
	if err := s.center(yz, upload(t, x), B, Tf*N, D); err != nil {
		t.Fatal(err)
	}
	wz := make([]float64, len(x))
	for b := 0; b < B; b++ {
		for i := 0; i < D; i++ {
			m := 0.0
			for p := 0; p < Tf*N; p++ {
				m += float64(x[(b*Tf*N+p)*D+i])
			}
			for p := 0; p < Tf*N; p++ {
				wz[(b*Tf*N+p)*D+i] = float64(x[(b*Tf*N+p)*D+i]) - m/(Tf*N)
			}
		}
	}
	check("centring", download(t, yz), wz)
	// Convex frame mix, and its commuting with a translation of the condition frames.
	xh, h, gamma := randomF32(704, B*Tc*N*D, 1), randomF32(705, B*Tc*N*H, 1), randomF32(706, Tf, 1)
	mix := func(xh []float32) []float32 {
		y := upload(t, make([]float32, B*Tf*N*D))
		if err := s.convexFrameMix(y, upload(t, xh), upload(t, h), upload(t, gamma), B, Tc, Tf, N, D, H); err != nil {
			t.Fatal(err)
		}
		return download(t, y)
	}
	wm := make([]float64, B*Tf*N*D)
	for b := 0; b < B; b++ {
		for n := 0; n < N; n++ {
			for i := 0; i < D; i++ {
				last := float64(xh[((b*Tc+Tc-1)*N+n)*D+i])
				u := 0.0
				for c := 0; c < Tc-1; c++ {
					w := 0.0
					for k := 0; k < H; k++ {
						w += float64(h[((b*Tc+c)*N+n)*H+k])
					}
					u += w / H * (float64(xh[((b*Tc+c)*N+n)*D+i]) - last)
				}
				for sf := 0; sf < Tf; sf++ {
					wm[((b*Tf+sf)*N+n)*D+i] = last + float64(gamma[sf])*u
				}
			}
		}
	}
	y0 := mix(xh)
	check("convex frame mix", y0, wm)
	moved := make([]float32, len(xh))
	for i := range xh {
		moved[i] = xh[i] + float32(i%D+1)
	}
	want1 := make([]float64, len(y0))
	for i, v := range y0 {
		want1[i] = float64(v) + float64(i%D+1)
	}
	check("convex frame mix of translated frames", mix(moved), want1)
}
