package cns

import (
	"math"
	"testing"
)

// TestRiemannToroTable checks the exact solver against the star states of Toro's five tests (Toro
// 2009, Table 4.3, gamma = 1.4), given there to five or six significant digits.
func TestRiemannToroTable(t *testing.T) {
	for _, c := range []struct {
		l, r             Prim
		p, u, rhoL, rhoR float64
	}{
		{Prim{1, 0, 1}, Prim{0.125, 0, 0.1}, 0.30313, 0.92745, 0.42632, 0.26557},
		{Prim{1, -2, 0.4}, Prim{1, 2, 0.4}, 0.00189, 0.0, 0.02185, 0.02185},
		{Prim{1, 0, 1000}, Prim{1, 0, 0.01}, 460.894, 19.5975, 0.57506, 5.99924},
		{Prim{1, 0, 0.01}, Prim{1, 0, 100}, 46.0950, -6.19633, 5.99242, 0.57511},
		{Prim{5.99924, 19.5975, 460.894}, Prim{5.99242, -6.19633, 46.0950}, 1691.64, 8.68975, 14.2823, 31.0426},
	} {
		rs, err := SolveRiemann(c.l, c.r, 1.4)
		if err != nil {
			t.Fatal(err)
		}
		rl, rr := rs.StarDensities()
		near := func(got, want float64) bool { return math.Abs(got-want) <= 6e-5*math.Abs(want)+6e-6 }
		if !near(rs.PStar, c.p) || !near(rs.UStar, c.u) || !near(rl, c.rhoL) || !near(rr, c.rhoR) {
			t.Errorf("%+v | %+v: p* %.6g u* %.6g rho*L %.6g rho*R %.6g, Toro %.6g %.6g %.6g %.6g",
				c.l, c.r, rs.PStar, rs.UStar, rl, rr, c.p, c.u, c.rhoL, c.rhoR)
		}
		// The sampled solution is continuous in pressure and velocity across the contact, and equals
		// the data far away.
		a, b := rs.Sample(rs.UStar-1e-9), rs.Sample(rs.UStar+1e-9)
		if math.Abs(a.P-b.P) > 1e-9*rs.PStar || math.Abs(a.U-b.U) > 1e-6 {
			t.Errorf("contact: %+v vs %+v", a, b)
		}
		if rs.Sample(-1e3) != c.l || rs.Sample(1e3) != c.r {
			t.Error("far field differs from the data")
		}
	}
	if _, err := SolveRiemann(Prim{1, -20, 1}, Prim{1, 20, 1}, 1.4); err == nil {
		t.Error("vacuum-generating data accepted")
	}
}
