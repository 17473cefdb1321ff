//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// tileCase is one tensor-core layer launch (TF32 or BF16) and its float64 reference on given inputs: run
// enqueues the layer and ref evaluates it in float64 on the inputs it is given (the test gives it the
// rounded ones, and their absolute values for the scale of the sum's rounding).
type tileCase struct {
	name    string
	x, w, b []float32
	k       int // terms per output (the GEMM's k)
	out     int
	act     Activation
	run     func(s *Stream, y, x, w, b Buffer) error
	ref     func(x, w, b []float32, act Activation) []float64
}

// tileCases are the kernels of a tensor-core tile (prec TF32 or BF16) on the shapes of
// TestGPUConv1dMatchesHost and TestGPUConvTranspose1dMatchesHost (TemporalUnet's convolutions, dilation,
// ragged channels, several tiles of positions and channels, every activation), Linear layers of one row and
// of ragged tiles, and the 2-D and 3-D U-Nets' Conv2d, Conv3d and ConvTranspose2d, each on random inputs
// and, for three shapes, on inputs whose every x is tieX and every w tieW (rounding ties of the precision).
func tileCases(prec Precision, tieX, tieW float32) []tileCase {
	var cs []tileCase
	conv := func(i int, sh Conv1dShape, act Activation, transposed bool) {
		x := randomF32(uint64(300+i), sh.Batch*sh.Length*sh.In, 1)
		bound := 1 / math.Sqrt(float64(sh.Kernel*sh.In))
		w := randomF32(uint64(310+i), sh.Kernel*sh.In*sh.Out, bound)
		b := randomF32(uint64(320+i), sh.Out, bound)
		c := tileCase{name: fmt.Sprintf("conv1d %+v %v", sh, act), x: x, w: w, b: b, k: sh.Kernel * sh.In, act: act,
			out: sh.Batch * sh.OutLength() * sh.Out,
			run: func(s *Stream, y, x, w, b Buffer) error { return s.conv1dIn(prec, y, x, w, b, sh, act) },
			ref: func(x, w, b []float32, act Activation) []float64 { return conv1dHost(x, w, b, sh, act) }}
		if transposed {
			c.name, c.out = fmt.Sprintf("conv_transpose1d %+v %v", sh, act), sh.Batch*sh.TransposedLength()*sh.Out
			c.run = func(s *Stream, y, x, w, b Buffer) error { return s.convTranspose1dIn(prec, y, x, w, b, sh, act) }
			c.ref = func(x, w, b []float32, act Activation) []float64 { return convTranspose1dHost(x, w, b, sh, act) }
		}
		cs = append(cs, c)
	}
	conv(0, Conv1dShape{Batch: 3, Length: 32, In: 6, Out: 32, Kernel: 5, Stride: 1, Padding: 2, Dilation: 1}, ActIdentity, false)
	conv(1, Conv1dShape{Batch: 2, Length: 32, In: 32, Out: 32, Kernel: 3, Stride: 2, Padding: 1, Dilation: 1}, ActMish, false)
	conv(2, Conv1dShape{Batch: 5, Length: 21, In: 7, Out: 70, Kernel: 3, Stride: 1, Padding: 0, Dilation: 2}, ActSiLU, false)
	conv(3, Conv1dShape{Batch: 1, Length: 130, In: 3, Out: 5, Kernel: 1, Stride: 1, Padding: 0, Dilation: 1}, ActGELU, false)
	conv(4, Conv1dShape{Batch: 2, Length: 16, In: 32, Out: 32, Kernel: 4, Stride: 2, Padding: 1, Dilation: 1}, ActIdentity, true)
	conv(5, Conv1dShape{Batch: 3, Length: 7, In: 5, Out: 70, Kernel: 3, Stride: 3, Padding: 2, Dilation: 1, OutPadding: 2}, ActMish, true)
	conv(6, Conv1dShape{Batch: 1, Length: 9, In: 4, Out: 6, Kernel: 3, Stride: 1, Padding: 0, Dilation: 2}, ActReLU, true)
	for i, sh := range [][3]int{{1, 32, 8}, {70, 130, 33}, {129, 64, 64}} { // m, n, k
		m, n, k := sh[0], sh[1], sh[2]
		as := Conv1dShape{Batch: 1, Length: m, In: k, Out: n, Kernel: 1, Stride: 1, Dilation: 1} // a Linear layer is a 1x1 convolution
		bound := 1 / math.Sqrt(float64(k))
		cs = append(cs, tileCase{name: fmt.Sprintf("linear %dx%dx%d", m, n, k), x: randomF32(uint64(330+i), m*k, 1),
			w: randomF32(uint64(340+i), k*n, bound), b: randomF32(uint64(350+i), n, bound), k: k, out: m * n, act: ActMish,
			run: func(s *Stream, y, x, w, b Buffer) error { return s.linearIn(prec, y, x, w, b, m, n, k, ActMish) },
			ref: func(x, w, b []float32, act Activation) []float64 { return conv1dHost(x, w, b, as, act) }})
	}
	// The 2-D and 3-D U-Nets' convolutions, on shapes of TestGPUConv2dMatchesHost, TestGPUConv3dMatchesHost
	// and TestGPUConvTranspose2dMatchesHost.
	add := func(name string, seed uint64, nx, taps, in, out, outs int, act Activation,
		run func(s *Stream, y, x, w, b Buffer) error, ref func(x, w, b []float32, act Activation) []float64) {
		bound := 1 / math.Sqrt(float64(taps*in))
		cs = append(cs, tileCase{name: name, x: randomF32(seed, nx, 1), w: randomF32(seed+1, taps*in*out, bound),
			b: randomF32(seed+2, out, bound), k: taps * in, out: outs, act: act, run: run, ref: ref})
	}
	for i, c := range []struct {
		sh  Conv2dShape
		act Activation
	}{
		{Conv2dShape{Batch: 2, Height: 8, Width: 12, In: 3, Out: 16, Kernel: 7, Stride: 1, Padding: 3}, ActIdentity},
		{Conv2dShape{Batch: 3, Height: 6, Width: 4, In: 16, Out: 70, Kernel: 3, Stride: 1, Padding: 1}, ActSiLU},
		{Conv2dShape{Batch: 2, Height: 9, Width: 7, In: 5, Out: 6, Kernel: 3, Stride: 2, Padding: 1}, ActGELU},
	} {
		sh := c.sh
		add(fmt.Sprintf("conv2d %+v %v", sh, c.act), uint64(360+3*i), sh.Batch*sh.Height*sh.Width*sh.In, sh.Kernel*sh.Kernel, sh.In, sh.Out,
			sh.Batch*sh.OutHeight()*sh.OutWidth()*sh.Out, c.act,
			func(s *Stream, y, x, w, b Buffer) error { return s.conv2dIn(prec, y, x, w, b, sh, c.act) },
			func(x, w, b []float32, act Activation) []float64 { return conv2dHost(x, w, b, sh, act) })
	}
	for i, c := range []struct {
		sh  Conv3dShape
		act Activation
	}{
		{Conv3dShape{Batch: 1, Frames: 4, Height: 5, Width: 7, In: 2, Out: 5, Kernel: 3}, ActIdentity},
		{Conv3dShape{Batch: 2, Frames: 3, Height: 6, Width: 6, In: 16, Out: 70, Kernel: 3}, ActSiLU},
	} {
		sh := c.sh
		vox := sh.Batch * sh.Frames * sh.Height * sh.Width
		add(fmt.Sprintf("conv3d %+v %v", sh, c.act), uint64(380+3*i), vox*sh.In, sh.Kernel*sh.Kernel*sh.Kernel, sh.In, sh.Out, vox*sh.Out, c.act,
			func(s *Stream, y, x, w, b Buffer) error { return s.conv3dIn(prec, y, x, w, b, sh, c.act) },
			func(x, w, b []float32, act Activation) []float64 { return conv3dHost(x, w, b, sh, act) })
	}
	for i, c := range []struct {
		sh  ConvTranspose2dShape
		act Activation
	}{
		{ConvTranspose2dShape{Batch: 10, Height: 4, Width: 4, In: 16, Out: 16, Kernel: 4, Stride: 2, Padding: 1}, ActIdentity},
		{ConvTranspose2dShape{Batch: 2, Height: 3, Width: 4, In: 5, Out: 6, Kernel: 5, Stride: 3, Padding: 2}, ActMish},
	} {
		sh := c.sh
		add(fmt.Sprintf("conv_transpose2d %+v %v", sh, c.act), uint64(390+3*i), sh.Batch*sh.Height*sh.Width*sh.In, sh.Kernel*sh.Kernel, sh.In, sh.Out,
			sh.Batch*sh.OutHeight()*sh.OutWidth()*sh.Out, c.act,
			func(s *Stream, y, x, w, b Buffer) error { return s.convTranspose2dIn(prec, y, x, w, b, sh, c.act) },
			func(x, w, b []float32, act Activation) []float64 { return convTranspose2dHost(x, w, b, sh, act) })
	}
	// Ties (the stride-2 conv1d, the transposed convolution and the Linear layer): see the callers.
	for _, i := range []int{1, 4, 8} {
		c := cs[i]
		tie := func(v []float32, t float32) []float32 {
			out := make([]float32, len(v))
			for j := range out {
				out[j] = t
			}
			return out
		}
		c.name, c.x, c.w = "ties: "+c.name, tie(c.x, tieX), tie(c.w, tieW)
		cs = append(cs, c)
	}
	return cs
}

// TestGPUTF32TileMatchesRoundedReference: linear_tf32, conv1d_tf32, conv_transpose1d_tf32, conv2d_tf32,
// conv3d_tf32 and conv_transpose2d_tf32 (tile_tf32.cuh on the tensor cores) equal the float64 layer
// evaluated on x and w rounded to TF32 as the tensor cores round them (roundTF32: to nearest, ties away from
// zero), to float32 accumulation. A product of two TF32 values
// is exact in float32, so only the k + 1 additions of each output round: with unit roundoff u = 2^-23 (2^-24
// for round to nearest; the bound allows truncating accumulators) the sum is within (k + 1) u S of the
// reference, S = |bias| + sum |x~ w~| (Higham 2002, eq. 3.5, any summation order), and the activations
// (slopes at most 1.13) and their float32 evaluation add at most 1.13 times that plus 8 2^-24 max(|y|, 1).
// The emulator sums in k order; a GPU in the tensor cores' order, within the same bound. The inputs that are
// all rounding ties would miss the reference by about k 2^-10 without the rounding or with another one.
//
// Ties: every x and w is 1 + 2^-11 (half way between the TF32 values 1 and 1 + 2^-10), so rounding to
// nearest with ties away makes every product (1 + 2^-10)^2, truncation or ties to even 1 and no rounding
// (1 + 2^-11)^2: the sums of k terms differ by about k 2^-10, far outside the tolerance.
func TestGPUTF32TileMatchesRoundedReference(t *testing.T) {
	identity := func(v float32) float32 { return v }
	checkTile(t, TF32, tileCases(TF32, 1+0x1p-11, 1+0x1p-11), roundTF32, identity)
}

// checkTile runs the cases of a tensor-core tile and compares each with its float64 reference on x and w
// rounded by round (the bound of TestGPUTF32TileMatchesRoundedReference), and requires every ties case to
// tell round from each of the other roundings (the reference on x and w rounded by it misses by more than
// 4 times the bound somewhere).
func checkTile(t *testing.T, prec Precision, cases []tileCase, round func(float32) float32, others ...func(float32) float32) {
	s := testStream(t)
	worst, worstRatio := 0.0, 0.0 // over the random inputs; the ties' sums are O(k)
	for _, c := range cases {
		y := upload(t, make([]float32, c.out))
		if err := c.run(s, y, upload(t, c.x), upload(t, c.w), upload(t, c.b)); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := download(t, y)
		xr, wr := roundedWith(c.x, round), roundedWith(c.w, round)
		want := c.ref(xr, wr, c.b, c.act)
		abs := func(v []float32) []float32 {
			out := make([]float32, len(v))
			for i, x := range v {
				out[i] = float32(math.Abs(float64(x)))
			}
			return out
		}
		scale := c.ref(abs(xr), abs(wr), abs(c.b), ActIdentity)
		alts := make([][]float64, len(others))
		for j, r := range others {
			alts[j] = c.ref(roundedWith(c.x, r), roundedWith(c.w, r), c.b, c.act)
		}
		bad, sensitive := 0, make([]bool, len(others))
		for i, g := range got {
			tol := 1.13*float64(c.k+1)*0x1p-23*scale[i] + 8*0x1p-24*math.Max(math.Abs(want[i]), 1)
			e := math.Abs(float64(g) - want[i])
			if !(e <= tol) {
				if bad++; bad <= 3 {
					t.Errorf("%s: y[%d] = %v, want %v (|error| %.3g > %.3g)", c.name, i, g, want[i], e, tol)
				}
			}
			worstRatio = math.Max(worstRatio, e/tol)
			if !strings.HasPrefix(c.name, "ties: ") {
				worst = math.Max(worst, e)
			}
			for j, alt := range alts {
				if math.Abs(alt[i]-want[i]) > 4*tol {
					sensitive[j] = true
				}
			}
		}
		for j, ok := range sensitive {
			if strings.HasPrefix(c.name, "ties: ") && !ok {
				t.Errorf("%s: the layer with x and w rounded otherwise (rounding %d) agrees; the case cannot see the rounding", c.name, j)
			}
		}
	}
	t.Logf("%v tile: worst |device - %v-rounded float64 reference| %.3g on random inputs; every error at most %.2f of its bound", prec, prec, worst, worstRatio)
}
