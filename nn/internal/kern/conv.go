package kern

import "fmt"

// ConvGeom is the geometry of a 2-D convolution on channels-last images x [B, H, W, Cin] with a kernel of
// KH x KW taps, stride (SH, SW), zero padding (PH, PW) and dilation (DH, DW), giving y [B, Ho, Wo, Cout]
// with Ho = (H + 2 PH - DH (KH-1) - 1)/SH + 1 (PyTorch's Conv2d). A 1-D convolution is H = KH = 1.
type ConvGeom struct {
	B, H, W, Cin, Cout int
	KH, KW             int
	SH, SW, PH, PW     int
	DH, DW             int
	Ho, Wo             int
}

// Complete fills Ho and Wo and checks the geometry.
func (g *ConvGeom) Complete() error {
	if g.B <= 0 || g.H <= 0 || g.W <= 0 || g.Cin <= 0 || g.Cout <= 0 || g.KH <= 0 || g.KW <= 0 {
		return fmt.Errorf("conv: sizes must be positive: %+v", *g)
	}
	if g.SH <= 0 || g.SW <= 0 || g.DH <= 0 || g.DW <= 0 || g.PH < 0 || g.PW < 0 {
		return fmt.Errorf("conv: stride and dilation must be positive and padding non-negative: %+v", *g)
	}
	g.Ho = (g.H+2*g.PH-g.DH*(g.KH-1)-1)/g.SH + 1
	g.Wo = (g.W+2*g.PW-g.DW*(g.KW-1)-1)/g.SW + 1
	if g.Ho <= 0 || g.Wo <= 0 {
		return fmt.Errorf("conv: kernel %dx%d (dilation %d,%d) larger than the padded input %dx%d", g.KH, g.KW, g.DH, g.DW, g.H+2*g.PH, g.W+2*g.PW)
	}
	return nil
}

// Pointwise reports whether the convolution is a 1x1 product without stride or padding, so that the input
// itself is the im2col matrix.
func (g *ConvGeom) Pointwise() bool {
	return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0
}

// Rows is the number of output positions B Ho Wo; Taps is KH KW.
func (g *ConvGeom) Rows() int { return g.B * g.Ho * g.Wo }
func (g *ConvGeom) Taps() int { return g.KH * g.KW }

// Im2Col gathers x [B, H, W, C] into cols [B Ho Wo, KH KW C]: row (b, oh, ow), column block (kh, kw) is
// the channel vector of x at (oh SH - PH + kh DH, ow SW - PW + kw DW), or zeros outside the image. C is
// g.Cin (or, for a transposed convolution, the channel count of the tensor playing the input role).
func Im2Col[T Float](cols, x []T, g *ConvGeom, C int) {
	K := g.Taps() * C
	parallel(g.B*g.Ho, g.Wo*K, func(lo, hi int) {
		for bo := lo; bo < hi; bo++ {
			b, oh := bo/g.Ho, bo%g.Ho
			for ow := 0; ow < g.Wo; ow++ {
				row := cols[(bo*g.Wo+ow)*K : (bo*g.Wo+ow+1)*K]
				iw0 := ow*g.SW - g.PW
				// With unit dilation the KW taps of a kernel row are adjacent pixels, one contiguous run
				// of KW C values of x away from the border: copy it at once (small C would otherwise make
				// this a long series of tiny copies).
				run := g.DW == 1 && iw0 >= 0 && iw0+g.KW <= g.W
				for kh := 0; kh < g.KH; kh++ {
					ih := oh*g.SH - g.PH + kh*g.DH
					if run && ih >= 0 && ih < g.H {
						o := ((b*g.H+ih)*g.W + iw0) * C
						copy(row[kh*g.KW*C:(kh+1)*g.KW*C], x[o:o+g.KW*C])
						continue
					}
					for kw := 0; kw < g.KW; kw++ {
						dst := row[(kh*g.KW+kw)*C : (kh*g.KW+kw+1)*C]
						iw := ow*g.SW - g.PW + kw*g.DW
						if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
							clear(dst)
							continue
						}
						o := ((b*g.H+ih)*g.W + iw) * C
						copy(dst, x[o:o+C])
					}
				}
			}
		}
	})
}

// Col2Im is the adjoint of Im2Col: x = 0, then every column block of cols is added back at the position it
// was gathered from. Work is split over the batch, so no two goroutines write the same element.
func Col2Im[T Float](x, cols []T, g *ConvGeom, C int) {
	K := g.Taps() * C
	parallel(g.B, g.Ho*g.Wo*K, func(lo, hi int) {
		clear(x[lo*g.H*g.W*C : hi*g.H*g.W*C])
		for b := lo; b < hi; b++ {
			for oh := 0; oh < g.Ho; oh++ {
				for ow := 0; ow < g.Wo; ow++ {
					r := (b*g.Ho+oh)*g.Wo + ow
					row := cols[r*K : (r+1)*K]
					for kh := 0; kh < g.KH; kh++ {
						ih := oh*g.SH - g.PH + kh*g.DH
						if ih < 0 || ih >= g.H {
							continue
						}
						for kw := 0; kw < g.KW; kw++ {
							iw := ow*g.SW - g.PW + kw*g.DW
							if iw < 0 || iw >= g.W {
								continue
							}
							src := row[(kh*g.KW+kw)*C : (kh*g.KW+kw+1)*C]
							o := ((b*g.H+ih)*g.W + iw) * C
							dst := x[o : o+C]
							for i, v := range src {
								dst[i] += v
							}
						}
					}
				}
			}
		}
	})
}

// PermuteInner moves the middle axis of a [P, Q, R] array last: dst [P, R, Q] = src [P, Q, R]. A PyTorch
// conv weight [Cout, Cin, KH KW] becomes [Cout, KH KW, Cin], the column order of Im2Col.
func PermuteInner[T Float](dst, src []T, P, Q, R int) {
	parallel(P, Q*R, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			s := src[p*Q*R : (p+1)*Q*R]
			d := dst[p*Q*R : (p+1)*Q*R]
			for q := 0; q < Q; q++ {
				for r := 0; r < R; r++ {
					d[r*Q+q] = s[q*R+r]
				}
			}
		}
	})
}

// AddBias adds bias [C] to every row of y [N, C].
func AddBias[T Float](y, bias []T, N, C int) {
	parallel(N, C, func(lo, hi int) { AddRows(y[lo*C:hi*C], bias, hi-lo, C) })
}
