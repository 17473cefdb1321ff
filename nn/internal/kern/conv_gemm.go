package kern

import "github.com/trajdiff/trajdiff/nn/internal/gemm"

// LinearFwd writes y [N, Out] = x [N, In] W^T + bias, W [Out, In] (bias may be nil).
func LinearFwd[T Float](y, x, w, bias []T, N, In, Out int) {
	gemm.Gemm(false, true, N, Out, In, 1, x, In, w, In, 0, y, Out)
	if bias != nil {
		AddBias(y, bias, N, Out)
	}
}

// LinearBwdData writes dx [N, In] = dy [N, Out] W.
func LinearBwdData[T Float](dx, dy, w []T, N, In, Out int) {
	gemm.Gemm(false, false, N, In, Out, 1, dy, Out, w, In, 0, dx, In)
}

// LinearBwdWeight writes dW [Out, In] = dy^T x.
func LinearBwdWeight[T Float](dw, dy, x []T, N, In, Out int) {
	gemm.Gemm(true, false, Out, In, N, 1, dy, Out, x, In, 0, dw, In)
}

// Convolution weights are tap-major: a convolution's w is [Cout, KH, KW, Cin] and a transposed
// convolution's [Cin, KH, KW, Cout] (PyTorch's [out, in, kh, kw] and [in, out, kh, kw] with the second axis
// moved last), the column order of Im2Col, so that no weight is permuted in the training step.

// ConvFwd is the convolution y [B Ho Wo, Cout] = im2col(x) w^T + bias; cols [B Ho Wo, KH KW Cin] is
// scratch that ConvBwdWeight reuses (unused for a pointwise convolution, where x is its own im2col).
func ConvFwd[T Float](y, x, w, bias, cols []T, g *ConvGeom) {
	M, K := g.Rows(), g.Taps()*g.Cin
	a := x
	if !g.Pointwise() {
		Im2Col(cols, x, g, g.Cin)
		a = cols
	}
	gemm.Gemm(false, true, M, g.Cout, K, 1, a, K, w, K, 0, y, g.Cout)
	if bias != nil {
		AddBias(y, bias, M, g.Cout)
	}
}

// ConvBwdData writes dx = col2im(dy w), with dcols [B Ho Wo, KH KW Cin] as scratch.
func ConvBwdData[T Float](dx, dy, w, dcols []T, g *ConvGeom) {
	M, K := g.Rows(), g.Taps()*g.Cin
	if g.Pointwise() {
		gemm.Gemm(false, false, M, K, g.Cout, 1, dy, g.Cout, w, K, 0, dx, K)
		return
	}
	gemm.Gemm(false, false, M, K, g.Cout, 1, dy, g.Cout, w, K, 0, dcols, K)
	Col2Im(dx, dcols, g, g.Cin)
}

// ConvBwdWeight writes dw [Cout, KH KW Cin] = dy^T cols, using cols from ConvFwd (x itself for a pointwise
// convolution).
func ConvBwdWeight[T Float](dw, dy, x, cols []T, g *ConvGeom) {
	M, K := g.Rows(), g.Taps()*g.Cin
	a := cols
	if g.Pointwise() {
		a = x
	}
	gemm.Gemm(true, false, g.Cout, K, M, 1, dy, g.Cout, a, K, 0, dw, K)
}

// ConvTGeom returns the geometry of the convolution whose adjoint is the transposed convolution of
// x [B, H, W, Cin] by w [Cin, Cout, KH, KW] with the given stride, padding, dilation and output padding:
// the output [B, Ho, Wo, Cout], Ho = (H-1) SH - 2 PH + DH (KH-1) + OPH + 1, plays the convolution's input.
func ConvTGeom(B, H, W, Cin, Cout, KH, KW, SH, SW, PH, PW, DH, DW, OPH, OPW int) (ConvGeom, error) {
	g := ConvGeom{B: B, Cin: Cout, Cout: Cin, KH: KH, KW: KW, SH: SH, SW: SW, PH: PH, PW: PW, DH: DH, DW: DW}
	g.H = (H-1)*SH - 2*PH + DH*(KH-1) + OPH + 1
	g.W = (W-1)*SW - 2*PW + DW*(KW-1) + OPW + 1
	if err := g.Complete(); err != nil {
		return g, err
	}
	if g.Ho != H || g.Wo != W {
		return g, errOutputPadding
	}
	return g, nil
}

type convError string

func (e convError) Error() string { return string(e) }

const errOutputPadding = convError("conv transpose: output padding must be smaller than the stride or the dilation")

// ConvTFwd is the transposed convolution y = col2im(x w) + bias for w [Cin, KH KW Cout]; g is ConvTGeom's
// adjoint geometry (g.Cin = Cout, g.Cout = Cin, g.H x g.W the output); cols [B H W, KH KW Cout] is scratch.
func ConvTFwd[T Float](y, x, w, bias, cols []T, g *ConvGeom) {
	M, K := g.Rows(), g.Taps()*g.Cin // rows: input positions; K: taps x output channels
	gemm.Gemm(false, false, M, K, g.Cout, 1, x, g.Cout, w, K, 0, cols, K)
	Col2Im(y, cols, g, g.Cin)
	if bias != nil {
		AddBias(y, bias, g.B*g.H*g.W, g.Cin)
	}
}

// ConvTBwdCols writes dcols = im2col(dy), shared by the data and weight gradients.
func ConvTBwdCols[T Float](dcols, dy []T, g *ConvGeom) { Im2Col(dcols, dy, g, g.Cin) }

// ConvTBwdData writes dx [B H W, Cin] = dcols w^T.
func ConvTBwdData[T Float](dx, dcols, w []T, g *ConvGeom) {
	M, K := g.Rows(), g.Taps()*g.Cin
	gemm.Gemm(false, true, M, g.Cout, K, 1, dcols, K, w, K, 0, dx, g.Cout)
}

// ConvTBwdWeight writes dw [Cin, KH KW Cout] = x^T dcols.
func ConvTBwdWeight[T Float](dw, x, dcols []T, g *ConvGeom) {
	M, K := g.Rows(), g.Taps()*g.Cin
	gemm.Gemm(true, false, g.Cout, K, M, 1, x, g.Cout, dcols, K, 0, dw, K)
}
