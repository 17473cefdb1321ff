package wavelet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func norm2(a []float64) float64 { return math.Sqrt(dot(a, a)) }

// adjointCases spans every mode, orthogonal and biorthogonal wavelets, short signals (filter longer
// than the signal: repeated wrapping), odd extents, batched axes and multiple levels.
type planCase struct {
	wavelet string
	shape   []int
	axes    []int
	level   int
}

var planCases = []planCase{
	{"haar", []int{17}, nil, MaxLevel},
	{"db3", []int{16}, nil, 1},
	{"db3", []int{23}, nil, MaxLevel},
	{"bior2.4", []int{31}, nil, MaxLevel},
	{"rbio3.1", []int{12}, nil, 2},
	{"coif2", []int{7}, nil, 0},
	{"sym4", []int{3, 15, 14}, []int{1, 2}, 1},
	{"bior1.3", []int{2, 13, 3, 10}, []int{1, 3}, MaxLevel},
	{"db2", []int{6, 7, 8}, nil, 1},
	{"db2", []int{9, 12, 10}, nil, MaxLevel},
	{"dmey", []int{130}, nil, 1},
	// Levels above DwtnMaxLevel, accepted as in PyWavelets: bands settle at F-2 or F-1 coefficients.
	{"coif3", []int{9}, nil, 4},
	{"db4", []int{5, 11}, nil, 2},
}

func TestPlanAdjointDotProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, pc := range planCases {
		for _, m := range Modes() {
			name := fmt.Sprintf("%s/%s/%v/axes=%v/level=%d", pc.wavelet, m, pc.shape, pc.axes, pc.level)
			p, err := NewPlan[float64](pc.shape, pc.wavelet, m, pc.level, pc.axes, WithWorkers(2))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			nx, _ := shapeSize(p.SignalShape())
			ny, _ := shapeSize(p.PackedShape())
			nr, _ := shapeSize(p.ReconstructionShape())

			// Forward: <W x, y> = <x, Wᵀ y>.
			x, y := randVec(rng, nx), randVec(rng, ny)
			wx, err := p.Forward(x)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			wty, err := p.ForwardAdjoint(y)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			lhs, rhs := dot(wx, y), dot(x, wty)
			if d := math.Abs(lhs - rhs); d > 1e-12*norm2(wx)*norm2(y) {
				t.Errorf("%s: <Wx,y> = %.17g, <x,Wᵀy> = %.17g (|Δ| = %.3g)", name, lhs, rhs, d)
			}

			// Inverse: <S c, z> = <c, Sᵀ z>.
			c, z := randVec(rng, ny), randVec(rng, nr)
			sc, err := p.Inverse(c)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			stz, err := p.InverseAdjoint(z)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			lhs, rhs = dot(sc, z), dot(c, stz)
			if d := math.Abs(lhs - rhs); d > 1e-12*norm2(c)*norm2(stz)+1e-12*norm2(sc)*norm2(z) {
				t.Errorf("%s: <Sc,z> = %.17g, <c,Sᵀz> = %.17g (|Δ| = %.3g)", name, lhs, rhs, d)
			}
		}
	}
}

// The adjoint is the transposed matrix, not the inverse: check one column-by-column against the
// matrix of the forward map built from unit impulses.
func TestAdjointIsTransposeMatrix(t *testing.T) {
	for _, m := range Modes() {
		p, err := NewPlan[float64]([]int{21}, "bior2.2", m, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		nx, ny := 21, p.PackedShape()[0]
		a := make([][]float64, nx) // a[j] = W e_j (column j)
		for j := 0; j < nx; j++ {
			e := make([]float64, nx)
			e[j] = 1
			a[j], _ = p.Forward(e)
		}
		for i := 0; i < ny; i++ {
			e := make([]float64, ny)
			e[i] = 1
			row, _ := p.ForwardAdjoint(e) // Wᵀ e_i = row i of W
			for j := 0; j < nx; j++ {
				if math.Abs(row[j]-a[j][i]) > 1e-14 {
					t.Fatalf("%s: (Wᵀ)[%d][%d] = %g, W[%d][%d] = %g", m, j, i, row[j], i, j, a[j][i])
				}
			}
		}
	}
}

// For orthogonal wavelets in periodization mode on even extents the DWT is an orthogonal matrix, so the
// adjoint must equal the inverse; for the other modes or biorthogonal wavelets it must not.
func TestAdjointEqualsInverseOnlyWhenOrthogonal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	y := randVec(rng, 128)
	maxDiff := func(wav, m string) float64 {
		p, err := NewPlan[float64]([]int{128}, wav, m, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.PackedShape()[0] != 128 && m == "periodization" {
			t.Fatalf("periodization packed shape %v", p.PackedShape())
		}
		yy := randVec(rng, p.PackedShape()[0])
		if m == "periodization" {
			yy = y
		}
		adj, _ := p.ForwardAdjoint(yy)
		inv, _ := p.Inverse(yy)
		d := 0.0
		for i := range adj {
			d = math.Max(d, math.Abs(adj[i]-inv[i]))
		}
		return d
	}
	for _, wav := range []string{"haar", "db4", "sym6", "coif3"} {
		if d := maxDiff(wav, "periodization"); d > 1e-12 {
			t.Errorf("%s periodization: |adjoint - inverse| = %g, want ~0 (orthogonal transform)", wav, d)
		}
		if wav == "haar" {
			continue // two taps never reach past an even-length signal: no extension in any mode
		}
		if d := maxDiff(wav, "symmetric"); d < 1e-3 {
			t.Errorf("%s symmetric: adjoint equals inverse (|Δ| = %g), but the extension is not orthogonal", wav, d)
		}
	}
	if d := maxDiff("bior2.4", "periodization"); d < 1e-3 {
		t.Errorf("bior2.4 periodization: adjoint equals inverse (|Δ| = %g) for a biorthogonal wavelet", d)
	}
}

// The extension terms used by the adjoint must reproduce the forward extension exactly.
func TestExtensionTermsMatchExtension(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, name := range Modes() {
		m, _ := ParseMode(name)
		for _, n := range []int{1, 2, 3, 5, 8} {
			if checkSignalLen(n, m) != nil {
				continue
			}
			x := randVec(rng, n)
			const span = 40
			left, right := make([]float64, span), make([]float64, span)
			extendLeft(left, x, m)
			extendRight(right, x, m)
			for t0 := 1; t0 <= span; t0++ {
				for _, c := range []struct {
					pos  int
					want float64
				}{{-t0, left[t0-1]}, {n - 1 + t0, right[t0-1]}} {
					got := 0.0
					for _, tm := range extTerms(c.pos, n, m, nil) {
						got += tm.w * x[tm.idx]
					}
					if math.Abs(got-c.want) > 1e-12*(1+math.Abs(c.want)) {
						t.Fatalf("%s n=%d pos=%d: terms give %v, extension %v", name, n, c.pos, got, c.want)
					}
				}
			}
		}
	}
}

// Single-level adjoints along one axis, including signals much shorter than the filter (the extension
// wraps several times) and one-sample signals.
func TestAxisAdjointDotProductShortSignals(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cfg := newConfig([]Option{WithWorkers(2)})
	for _, wav := range []string{"haar", "db7", "bior3.5", "dmey"} {
		w, _ := NewWavelet(wav)
		fl := newFilters[float64](w)
		for _, name := range Modes() {
			m, _ := ParseMode(name)
			for _, n := range []int{1, 2, 3, 5, 8, 33} {
				if checkSignalLen(n, m) != nil {
					continue
				}
				for _, shape := range [][]int{{n}, {3, n, 4}} {
					axis := len(shape) / 2
					tag := fmt.Sprintf("%s/%s/%v", wav, name, shape)
					size, _ := shapeSize(shape)
					x := &Array[float64]{Shape: shape, Data: randVec(rng, size)}
					a, d, err := dwtAxis(x, fl, m, axis, cfg)
					if err != nil {
						t.Fatalf("%s: %v", tag, err)
					}
					ga := &Array[float64]{Shape: a.Shape, Data: randVec(rng, len(a.Data))}
					gd := &Array[float64]{Shape: d.Shape, Data: randVec(rng, len(d.Data))}
					gx := dwtAxisAdjoint(ga, gd, n, fl, m, axis, cfg)
					lhs := dot(a.Data, ga.Data) + dot(d.Data, gd.Data)
					rhs := dot(x.Data, gx.Data)
					if math.Abs(lhs-rhs) > 1e-11*(1+math.Abs(lhs)+norm2(x.Data)*norm2(gx.Data)) {
						t.Errorf("%s DWT: <Wx,g> = %.17g, <x,Wᵀg> = %.17g", tag, lhs, rhs)
					}

					// Synthesis from these coefficient extents.
					nc := a.Shape[axis]
					if checkCoeffLen(nc, fl.f, m) != nil {
						continue
					}
					ca := &Array[float64]{Shape: a.Shape, Data: randVec(rng, len(a.Data))}
					cd := &Array[float64]{Shape: a.Shape, Data: randVec(rng, len(a.Data))}
					r, err := idwtAxis(ca, cd, fl, m, axis, cfg)
					if err != nil {
						t.Fatalf("%s: %v", tag, err)
					}
					z := &Array[float64]{Shape: r.Shape, Data: randVec(rng, len(r.Data))}
					za, zd := idwtAxisAdjoint(z, nc, fl, m, axis, cfg)
					lhs = dot(r.Data, z.Data)
					rhs = dot(ca.Data, za.Data) + dot(cd.Data, zd.Data)
					if math.Abs(lhs-rhs) > 1e-11*(1+norm2(r.Data)*norm2(z.Data)) {
						t.Errorf("%s IDWT: <Sc,z> = %.17g, <c,Sᵀz> = %.17g", tag, lhs, rhs)
					}
				}
			}
		}
	}
}
