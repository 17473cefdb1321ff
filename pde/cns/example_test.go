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

// Solve twelve PDEBench trajectories together with the batch solver; each equals Solver's bit for bit.
func ExampleBatchSolver() {
	p := cns.DefaultParams()
	p.Cells, p.Frames, p.T = 64, 4, 0.2
	g := cns.Generator{Params: p}
	bs, err := g.NewBatchSolver()
	if err != nil {
		panic(err)
	}
	trs, errs, err := g.Trajectories(context.Background(), bs, 1, 0, 12)
	if err != nil {
		panic(err)
	}
	s, err := g.NewSolver()
	if err != nil {
		panic(err)
	}
	same := 0
	for i, tr := range trs {
		one, err := g.Trajectory(context.Background(), s, 1, i)
		if errs[i] != nil || err != nil {
			panic(fmt.Sprint(errs[i], err))
		}
		eq := true
		for f := range one.Frames {
			for c := range one.Frames[f].Rho {
				eq = eq && tr.Frames[f].Rho[c] == one.Frames[f].Rho[c] && tr.Frames[f].U[c] == one.Frames[f].U[c] &&
					tr.Frames[f].P[c] == one.Frames[f].P[c]
			}
		}
		if eq {
			same++
		}
	}
	fmt.Printf("%d of %d trajectories equal the scalar solver's\n", same, len(trs))
	// Output: 12 of 12 trajectories equal the scalar solver's
}
