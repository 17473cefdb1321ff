package cns_test

import (
	"context"
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde/cns"
)

// Solve Sod's shock tube and compare the density with Toro's exact Riemann solution.
func Example() {
	p := cns.Params{Gamma: 1.4, Cells: 400, XL: 0, XR: 1, T: 0.2, Frames: 1, CFL: 0.5, ViscCFL: 0.4, Boundary: cns.Outflow}
	init := cns.NewState(p.Cells)
	for i, x := range p.X() {
		init.Rho[i], init.P[i] = 1, 1
		if x > 0.5 {
			init.Rho[i], init.P[i] = 0.125, 0.1
		}
	}
	s, err := cns.NewSolver(p)
	if err != nil {
		panic(err)
	}
	frames, err := s.Solve(context.Background(), init)
	if err != nil {
		panic(err)
	}
	rs, err := cns.SolveRiemann(cns.Prim{Rho: 1, P: 1}, cns.Prim{Rho: 0.125, P: 0.1}, 1.4)
	if err != nil {
		panic(err)
	}
	exact := rs.CellAverages(p, 0.5, 0.2, 32)
	l1 := 0.0
	for i := range exact.Rho {
		l1 += math.Abs(frames[1].Rho[i]-exact.Rho[i]) / float64(p.Cells)
	}
	fmt.Printf("p* = %.5f, u* = %.5f, L1 density error on 400 cells: %.4f\n", rs.PStar, rs.UStar, l1)
	// Output: p* = 0.30313, u* = 0.92745, L1 density error on 400 cells: 0.0011
}
