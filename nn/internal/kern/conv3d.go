package kern

import (
	"fmt"

	"github.com/trajdiff/trajdiff/nn/internal/gemm"
)

// Conv3Geom is the geometry of a 3-D convolution on channels-last videos x [B, F, H, W, Cin] with a kernel
// of KT x KH x KW taps, stride (ST, SH, SW) and zero padding (PT, PH, PW), giving y [B, Fo, Ho, Wo, Cout]
// with Fo = (F + 2 PT - KT)/ST + 1 and likewise Ho, Wo (PyTorch's Conv3d without dilation).
type Conv3Geom struct {
	B, F, H, W, Cin, Cout int
	KT, KH, KW            int
	ST, SH, SW            int
	PT, PH, PW            int
	Fo, Ho, Wo            int
}

// Complete fills Fo, Ho and Wo and checks the geometry.
func (g *Conv3Geom) Complete() error {
	if g.B <= 0 || g.F <= 0 || g.H <= 0 || g.W <= 0 || g.Cin <= 0 || g.Cout <= 0 || g.KT <= 0 || g.KH <= 0 || g.KW <= 0 {
		return fmt.Errorf("conv3d: sizes must be positive: %+v", *g)
	}
	if g.ST <= 0 || g.SH <= 0 || g.SW <= 0 || g.PT < 0 || g.PH < 0 || g.PW < 0 {
		return fmt.Errorf("conv3d: stride must be positive and padding non-negative: %+v", *g)
	}
	g.outSize()
	if g.Fo <= 0 || g.Ho <= 0 || g.Wo <= 0 {
		return fmt.Errorf("conv3d: kernel %dx%dx%d larger than the padded input %dx%dx%d", g.KT, g.KH, g.KW, g.F+2*g.PT, g.H+2*g.PH, g.W+2*g.PW)
	}
	return nil
}

func (g *Conv3Geom) outSize() {
	g.Fo = (g.F+2*g.PT-g.KT)/g.ST + 1
	g.Ho = (g.H+2*g.PH-g.KH)/g.SH + 1
	g.Wo = (g.W+2*g.PW-g.KW)/g.SW + 1
}

// Rows is the number of output positions B Fo Ho Wo; K is the im2col row length KT KH KW Cin.
func (g *Conv3Geom) Rows() int { return g.B * g.Fo * g.Ho * g.Wo }
func (g *Conv3Geom) K() int    { return g.KT * g.KH * g.KW * g.Cin }

// Unit reports whether every stride is 1, so that the data gradient is itself a convolution (the adjoint
// of a unit-stride convolution is the convolution by the flipped, transposed kernel).
func (g *Conv3Geom) Unit() bool { return g.ST == 1 && g.SH == 1 && g.SW == 1 }

// Pointwise reports whether the convolution is a 1x1x1 product (x is its own im2col).
func (g *Conv3Geom) Pointwise() bool {
	return g.KT == 1 && g.KH == 1 && g.KW == 1 && g.Unit() && g.PT == 0 && g.PH == 0 && g.PW == 0
}

// adjoint is the geometry of the unit-stride convolution that maps the output gradient [B, Fo, Ho, Wo,
// Cout] to the input gradient [B, F, H, W, Cin]: padding K-1-P (negative padding, when P >= K, crops).
func (g *Conv3Geom) adjoint() Conv3Geom {
	a := Conv3Geom{B: g.B, F: g.Fo, H: g.Ho, W: g.Wo, Cin: g.Cout, Cout: g.Cin, KT: g.KT, KH: g.KH, KW: g.KW,
		ST: 1, SH: 1, SW: 1, PT: g.KT - 1 - g.PT, PH: g.KH - 1 - g.PH, PW: g.KW - 1 - g.PW}
	a.outSize()
	return a
}

// conv3Budget bounds the im2col chunk (values) when the whole matrix is not kept: a 7x7x7 kernel on 42
// channels has rows of 14,406 values, and a full im2col of a small batch of videos would need gigabytes.
// A chunk of 2 MB (float32) stays in cache between the gather and the product.
const conv3Budget = 1 << 19

// Conv3ChunkRows is the number of output rows whose im2col fits the chunk budget (at least 1).
func (g *Conv3Geom) Conv3ChunkRows() int { return max(1, min(g.Rows(), conv3Budget/g.K())) }

// Im2Col3 gathers the im2col rows [r0, r1) of x [B, F, H, W, Cin] into cols [(r1-r0), K]: row (b, fo, oh,
// ow), column block (kt, kh, kw) is the channel vector of x at (fo ST - PT + kt, oh SH - PH + kh, ow SW - PW
// + kw), or zeros outside the video.
func Im2Col3[T Float](cols, x []T, g *Conv3Geom, r0, r1 int) {
	C, K := g.Cin, g.K()
	run := g.KW * C
	parallel(r1-r0, K, func(lo, hi int) {
		for r := r0 + lo; r < r0+hi; r++ {
			row := cols[(r-r0)*K : (r-r0+1)*K]
			ow := r % g.Wo
			oh := (r / g.Wo) % g.Ho
			fo := (r / (g.Wo * g.Ho)) % g.Fo
			b := r / (g.Wo * g.Ho * g.Fo)
			iw0 := ow*g.SW - g.PW
			inside := iw0 >= 0 && iw0+g.KW <= g.W
			for kt := 0; kt < g.KT; kt++ {
				it := fo*g.ST - g.PT + kt
				blk := row[kt*g.KH*run : (kt+1)*g.KH*run]
				if it < 0 || it >= g.F {
					clear(blk)
					continue
				}
				for kh := 0; kh < g.KH; kh++ {
					ih := oh*g.SH - g.PH + kh
					dst := blk[kh*run : (kh+1)*run]
					if ih < 0 || ih >= g.H {
						clear(dst)
						continue
					}
					base := ((b*g.F+it)*g.H + ih) * g.W
					if inside {
						copy(dst, x[(base+iw0)*C:(base+iw0)*C+run])
						continue
					}
					for kw := 0; kw < g.KW; kw++ {
						iw := iw0 + kw
						if iw < 0 || iw >= g.W {
							clear(dst[kw*C : (kw+1)*C])
							continue
						}
						copy(dst[kw*C:(kw+1)*C], x[(base+iw)*C:(base+iw+1)*C])
					}
				}
			}
		}
	})
}

// col2Im3 adds the im2col rows [r0, r1) in cols back into x at the positions Im2Col3 gathered them from
// (serial: rows of a strided convolution overlap).
func col2Im3[T Float](x, cols []T, g *Conv3Geom, r0, r1 int) {
	C, K := g.Cin, g.K()
	for r := r0; r < r1; r++ {
		row := cols[(r-r0)*K : (r-r0+1)*K]
		ow := r % g.Wo
		oh := (r / g.Wo) % g.Ho
		fo := (r / (g.Wo * g.Ho)) % g.Fo
		b := r / (g.Wo * g.Ho * g.Fo)
		for kt := 0; kt < g.KT; kt++ {
			it := fo*g.ST - g.PT + kt
			if it < 0 || it >= g.F {
				continue
			}
			for kh := 0; kh < g.KH; kh++ {
				ih := oh*g.SH - g.PH + kh
				if ih < 0 || ih >= g.H {
					continue
				}
				for kw := 0; kw < g.KW; kw++ {
					iw := ow*g.SW - g.PW + kw
					if iw < 0 || iw >= g.W {
						continue
					}
					src := row[((kt*g.KH+kh)*g.KW+kw)*C : ((kt*g.KH+kh)*g.KW+kw+1)*C]
					dst := x[(((b*g.F+it)*g.H+ih)*g.W+iw)*C:]
					for i, v := range src {
						dst[i] += v
					}
				}
			}
		}
	}
}

// narrowOut is the output width below which a convolution's products are padded to it: the weight (or
// the output gradient) gets zero rows up to narrowOut, so that the micro-kernel runs full tiles and reads
// the im2col matrix in place instead of packing it (the video U-Net's first resolution has 8 channels).
const narrowOut = 32

func (g *Conv3Geom) narrow() bool { return g.Cout < narrowOut }

// PadScratch is the scratch (values) that Conv3Fwd and Conv3BwdWeight need to pad a narrow convolution
// done rows output rows at a time (0 when the convolution is not narrow).
func (g *Conv3Geom) PadScratch(rows int) int {
	if !g.narrow() || g.Pointwise() {
		return 0
	}
	return narrowOut*g.K() + rows*narrowOut
}

// Conv3Fwd is the convolution y [Rows, Cout] = im2col(x) w^T + bias with tap-major weights w [Cout, KT, KH,
// KW, Cin]. cols is scratch of Rows K values (the whole im2col, which Conv3BwdWeight then reuses) or of
// Conv3ChunkRows K values (the im2col is built and consumed chunk by chunk); unused when pointwise. pad
// is scratch of PadScratch(rows per chunk) values.
func Conv3Fwd[T Float](y, x, w, bias, cols, pad []T, g *Conv3Geom) {
	M, K := g.Rows(), g.K()
	if g.Pointwise() {
		gemm.Gemm(false, true, M, g.Cout, K, 1, x, K, w, K, 0, y, g.Cout)
	} else {
		step := M
		if len(cols) < M*K {
			step = g.Conv3ChunkRows()
		}
		var wp, yp []T
		if g.narrow() {
			wp, yp = pad[:narrowOut*K], pad[narrowOut*K:]
			copy(wp, w[:g.Cout*K])
			clear(wp[g.Cout*K:])
		}
		for r0 := 0; r0 < M; r0 += step {
			r1 := min(M, r0+step)
			Im2Col3(cols, x, g, r0, r1)
			if wp == nil {
				gemm.Gemm(false, true, r1-r0, g.Cout, K, 1, cols, K, w, K, 0, y[r0*g.Cout:], g.Cout)
				continue
			}
			gemm.Gemm(false, true, r1-r0, narrowOut, K, 1, cols, K, wp, K, 0, yp, narrowOut)
			for r := r0; r < r1; r++ {
				copy(y[r*g.Cout:(r+1)*g.Cout], yp[(r-r0)*narrowOut:])
			}
		}
	}
	if bias != nil {
		AddBias(y, bias, M, g.Cout)
	}
}

// Conv3BwdWeight writes dw [Cout, K] = dy^T im2col(x). full says that cols holds the whole im2col of the
// forward pass; otherwise cols is chunk scratch and the im2col is rebuilt chunk by chunk. pad is scratch
// of PadScratch(rows per chunk) values; a narrow convolution computes dw^T = im2col(x)^T dy with dy padded,
// reading the im2col in place.
func Conv3BwdWeight[T Float](dw, dy, x, cols, pad []T, g *Conv3Geom, full bool) {
	M, K := g.Rows(), g.K()
	if g.Pointwise() {
		gemm.Gemm(true, false, g.Cout, K, M, 1, dy, g.Cout, x, K, 0, dw, K)
		return
	}
	step := M
	if !full {
		step = g.Conv3ChunkRows()
	}
	var dwt, dyp []T
	if g.narrow() {
		dwt, dyp = pad[:narrowOut*K], pad[narrowOut*K:]
		clear(dyp[:min(step, M)*narrowOut])
	}
	for r0 := 0; r0 < M; r0 += step {
		r1 := min(M, r0+step)
		if !full {
			Im2Col3(cols, x, g, r0, r1)
		}
		beta := T(1)
		if r0 == 0 {
			beta = 0
		}
		if dwt == nil {
			gemm.Gemm(true, false, g.Cout, K, r1-r0, 1, dy[r0*g.Cout:], g.Cout, cols, K, beta, dw, K)
			continue
		}
		for r := r0; r < r1; r++ {
			copy(dyp[(r-r0)*narrowOut:], dy[r*g.Cout:(r+1)*g.Cout])
		}
		gemm.Gemm(true, false, K, narrowOut, r1-r0, 1, cols, K, dyp, narrowOut, beta, dwt, narrowOut)
	}
	if dwt != nil {
		for co := 0; co < g.Cout; co++ {
			for k := 0; k < K; k++ {
				dw[co*K+k] = dwt[k*narrowOut+co]
			}
		}
	}
}

// Conv3BwdData writes dx [B, F, H, W, Cin] for the output gradient dy. With unit strides it is the
// convolution of dy by the flipped kernel with input and output channels exchanged (wf, scratch of the
// weight's size, receives that kernel), race-free and parallel; otherwise dy w is scattered back chunk
// by chunk. cols and pad are scratch of Conv3DataScratch values.
func Conv3BwdData[T Float](dx, dy, w, wf, cols, pad []T, g *Conv3Geom) {
	M, K := g.Rows(), g.K()
	if g.Pointwise() {
		gemm.Gemm(false, false, M, K, g.Cout, 1, dy, g.Cout, w, K, 0, dx, K)
		return
	}
	if g.Unit() {
		a := g.adjoint()
		taps := g.KT * g.KH * g.KW
		for co := 0; co < g.Cout; co++ {
			for tap := 0; tap < taps; tap++ {
				src := w[(co*taps+tap)*g.Cin : (co*taps+tap+1)*g.Cin]
				flip := taps - 1 - tap // (kt, kh, kw) -> (KT-1-kt, KH-1-kh, KW-1-kw)
				for ci, v := range src {
					wf[(ci*taps+flip)*g.Cout+co] = v
				}
			}
		}
		Conv3Fwd(dx, dy, wf, nil, cols[:a.Conv3ChunkRows()*a.K()], pad, &a)
		return
	}
	clear(dx)
	step := g.Conv3ChunkRows()
	for r0 := 0; r0 < M; r0 += step {
		r1 := min(M, r0+step)
		gemm.Gemm(false, false, r1-r0, K, g.Cout, 1, dy[r0*g.Cout:], g.Cout, w, K, 0, cols, K)
		col2Im3(dx, cols, g, r0, r1)
	}
}

// Conv3DataScratch is the chunk scratch (values) that Conv3BwdData needs as cols and as pad.
func (g *Conv3Geom) Conv3DataScratch() (cols, pad int) {
	if g.Unit() {
		a := g.adjoint()
		return a.Conv3ChunkRows() * a.K(), a.PadScratch(a.Conv3ChunkRows())
	}
	return g.Conv3ChunkRows() * g.K(), 0
}
