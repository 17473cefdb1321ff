package wavelet_test

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/wavelet"
)

// A multilevel decomposition and its reconstruction, as with pywt.wavedec / pywt.waverec.
func ExampleWavedec() {
	x := []float64{3, 7, 1, 1, -2, 5, 4, 6, 2, 8, 0, 3, 9, 1}
	coeffs, err := wavelet.Wavedec(x, "db2", "symmetric", wavelet.MaxLevel)
	if err != nil {
		panic(err)
	}
	for i, c := range coeffs {
		fmt.Printf("coeffs[%d]: %d values\n", i, len(c))
	}
	rec, err := wavelet.Waverec(coeffs, "db2", "symmetric")
	if err != nil {
		panic(err)
	}
	worst := 0.0
	for i := range x {
		worst = math.Max(worst, math.Abs(rec[i]-x[i]))
	}
	fmt.Printf("reconstruction error below 1e-12: %v\n", worst < 1e-12)
	// Output:
	// coeffs[0]: 5 values
	// coeffs[1]: 5 values
	// coeffs[2]: 8 values
	// reconstruction error below 1e-12: true
}

// Levels above DwtMaxLevel are computed, as PyWavelets computes them (it only warns): every
// coefficient then depends on the signal extension. A caller who wants such levels refused compares
// with DwtMaxLevel (DwtnMaxLevel for N-D) first; Waverec inverts the deep decomposition either way.
func ExampleDwtMaxLevel() {
	x := []float64{3, 7, 1, 1, -2, 5, 4, 6, 2, 8, 0, 3, 9, 1, 4, 2, 6, 5, 3, 0}
	const level = 3
	top, err := wavelet.DwtMaxLevel(len(x), "db4")
	if err != nil {
		panic(err)
	}
	if level > top {
		// The strict behaviour: refuse here instead of transforming.
		fmt.Printf("level %d > DwtMaxLevel %d: all coefficients have boundary effects\n", level, top)
	}
	coeffs, err := wavelet.Wavedec(x, "db4", "symmetric", level) // what pywt.wavedec returns
	if err != nil {
		panic(err)
	}
	for i, c := range coeffs {
		fmt.Printf("coeffs[%d]: %d values\n", i, len(c))
	}
	rec, err := wavelet.Waverec(coeffs, "db4", "symmetric")
	if err != nil {
		panic(err)
	}
	worst := 0.0
	for i := range x {
		worst = math.Max(worst, math.Abs(rec[i]-x[i]))
	}
	fmt.Printf("reconstruction error below 1e-12: %v\n", worst < 1e-12)
	// Output:
	// level 3 > DwtMaxLevel 1: all coefficients have boundary effects
	// coeffs[0]: 8 values
	// coeffs[1]: 8 values
	// coeffs[2]: 10 values
	// coeffs[3]: 13 values
	// reconstruction error below 1e-12: true
}

// A single-level 2-D transform of every [time, x] field of a [batch, channel, time, x] array.
func ExampleDwt2() {
	batch, channels, nt, nx := 2, 3, 16, 12
	data := make([]float64, batch*channels*nt*nx)
	for i := range data {
		data[i] = math.Sin(0.1 * float64(i))
	}
	x, err := wavelet.NewArray(data, batch, channels, nt, nx)
	if err != nil {
		panic(err)
	}
	cA, d, err := wavelet.Dwt2(x, "haar", "periodization", []int{2, 3})
	if err != nil {
		panic(err)
	}
	fmt.Println("cA", cA.Shape, "cH", d.H.Shape, "cV", d.V.Shape, "cD", d.D.Shape)
	back, err := wavelet.Idwt2(cA, d, "haar", "periodization", []int{2, 3})
	if err != nil {
		panic(err)
	}
	fmt.Println("reconstructed", back.Shape)
	// Output:
	// cA [2 3 8 6] cH [2 3 8 6] cV [2 3 8 6] cD [2 3 8 6]
	// reconstructed [2 3 16 12]
}

// A 3-D space-time decomposition with PyWavelets' band keys.
func ExampleWavedecn() {
	x := wavelet.Zeros[float32](4, 16, 16, 16) // [batch, time, x, y]
	c, err := wavelet.Wavedecn(x, "sym4", "symmetric", 1, []int{1, 2, 3})
	if err != nil {
		panic(err)
	}
	fmt.Println("approximation", c.Approx.Shape)
	fmt.Println("detail bands", len(c.Details[0]), "e.g. 'dad'", c.Details[0]["dad"].Shape)
	// Output:
	// approximation [4 11 11 11]
	// detail bands 7 e.g. 'dad' [4 11 11 11]
}

// The packed transform and its exact adjoint, as used for gradients.
func ExampleNewPlan() {
	p, err := wavelet.NewPlan[float64]([]int{2, 32}, "bior2.2", "smooth", 2, []int{1})
	if err != nil {
		panic(err)
	}
	fmt.Println("signal", p.SignalShape(), "packed", p.PackedShape())
	x := make([]float64, 64)
	x[5] = 1
	y, _ := p.Forward(x)
	g := make([]float64, len(y))
	g[3] = 1
	gx, _ := p.ForwardAdjoint(g)
	// <Wx, g> = <x, Wᵀg>
	fmt.Printf("%.12f %.12f\n", y[3], gx[5])
	// Output:
	// signal [2 32] packed [2 40]
	// 0.500000000000 0.500000000000
}

// The stationary wavelet transform keeps every level at full length.
func ExampleSwt() {
	x := make([]float64, 16)
	for i := range x {
		x[i] = float64(i % 4)
	}
	levels, err := wavelet.Swt(x, "haar", 2, wavelet.SwtOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(levels), len(levels[0].A), len(levels[1].D))
	back, _ := wavelet.Iswt(levels, "haar", false)
	fmt.Println(math.Abs(back[7]-x[7]) < 1e-12)
	// Output:
	// 2 16 16
	// true
}
