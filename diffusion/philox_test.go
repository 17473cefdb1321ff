package diffusion

import "testing"

// Known-answer vectors of Philox4x32-10 from Random123's kat_vectors (Salmon et al. 2011).
func TestPhiloxKnownAnswers(t *testing.T) {
	cases := []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff}, [4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0}, [4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		got := Philox4x32{Key: c.key}.Block(c.ctr)
		if got != c.want {
			t.Errorf("Philox(ctr %08x, key %08x) = %08x, want %08x", c.ctr, c.key, got, c.want)
		}
	}
}

func TestFillNormalIndependentOfSplit(t *testing.T) {
	g := NewPhilox(42)
	whole := make([]float64, 101)
	g.FillNormal(whole, 3, 0)
	for _, cut := range []int{1, 2, 7, 50, 99} {
		a := make([]float64, cut)
		b := make([]float64, len(whole)-cut)
		g.FillNormal(a, 3, 0)
		g.FillNormal(b, 3, cut)
		for i := range whole {
			var v float64
			if i < cut {
				v = a[i]
			} else {
				v = b[i-cut]
			}
			if v != whole[i] {
				t.Fatalf("cut %d: element %d = %v, want %v", cut, i, v, whole[i])
			}
		}
	}
}

func TestFillNormalMoments(t *testing.T) {
	g := NewPhilox(7)
	const n = 200000
	z := make([]float64, n)
	g.FillNormal(z, 0, 0)
	var m, m2, m4 float64
	for _, v := range z {
		m += v
		m2 += v * v
		m4 += v * v * v * v
	}
	m /= n
	m2 /= n
	m4 /= n
	// Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032, fourth moment sqrt(96/n) = 0.022.
	if abs(m) > 0.011 || abs(m2-1) > 0.016 || abs(m4-3) > 0.11 {
		t.Errorf("moments mean %v, var %v, m4 %v; want 0, 1, 3", m, m2, m4)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
