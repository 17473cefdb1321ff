package cns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde"
)

// batchCases are small grids that exercise every branch of the batch solver: both boundaries, with and
// without viscosity (and with strong viscosity, several sub-steps per half step).
func batchCases() map[string]Params {
	base := DefaultParams()
	base.Cells, base.Frames, base.T = 48, 5, 0.2
	out := map[string]Params{}
	out["periodic viscous"] = base
	p := base
	p.Boundary = Outflow
	out["outflow viscous"] = p
	p = base
	p.Eta, p.Zeta = 0, 0
	out["periodic inviscid"] = p
	p = base
	p.Eta, p.Zeta, p.ViscCFL, p.Boundary = 0.1, 0.1, 0.1, Outflow
	out["outflow strong viscosity"] = p
	p = base
	p.Cells, p.Gamma, p.CFL = 4, 1.4, 0.9 // the smallest grid, one partial block of the hydro pass
	out["four cells"] = p
	p = base
	p.Cells = 100 // blocks of the hydro pass that do not divide the grid
	out["hundred cells"] = p
	return out
}

// randomInits are n PDEBench initial states of p (different step counts, so lanes refill at different
// times).
func randomInits(p Params, n int) []State {
	in := make([]State, n)
	for i := range in {
		in[i] = RandomInitial(pde.TrajectoryRNG(7, i)).State(p)
	}
	return in
}

// vacuum is a near-vacuum Riemann problem (two gases leaving each other fast) whose Hancock states lose
// positivity, so the first-order fallback runs.
func vacuum(p Params) State {
	st := NewState(p.Cells)
	for i := range p.Cells {
		st.Rho[i], st.P[i], st.U[i] = 1, 0.4, -20
		if i >= p.Cells/2 {
			st.U[i] = 20
		}
	}
	return st
}

func sameFrames(t *testing.T, what string, got, want []State) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d frames, want %d", what, len(got), len(want))
	}
	for f := range want {
		for _, q := range [][2][]float64{{got[f].Rho, want[f].Rho}, {got[f].U, want[f].U}, {got[f].P, want[f].P}} {
			for i := range q[1] {
				if math.Float64bits(q[0][i]) != math.Float64bits(q[1][i]) {
					t.Fatalf("%s: frame %d cell %d: %v, want %v (bit for bit)", what, f, i, q[0][i], q[1][i])
				}
			}
		}
	}
}

func TestBatchSolverIsBitIdenticalToSolver(t *testing.T) {
	for name, p := range batchCases() {
		sc, err := NewSolver(p)
		if err != nil {
			t.Fatal(err)
		}
		inits := append(randomInits(p, 19), vacuum(p))
		want := make([][]State, len(inits))
		steps := make([]int, len(inits))
		for i, in := range inits {
			if want[i], err = sc.Solve(context.Background(), in); err != nil {
				t.Fatalf("%s: scalar trajectory %d: %v", name, i, err)
			}
			steps[i] = sc.Steps()
		}
		for _, k := range kernelsAvailable() {
			bs, err := newBatchSolver(p, k)
			if err != nil {
				t.Fatal(err)
			}
			// every request size from one trajectory to more than two full rounds of lanes
			for _, nb := range []int{1, 3, 8, 9, len(inits)} {
				got, errs, err := bs.Solve(context.Background(), inits[len(inits)-nb:])
				if err != nil {
					t.Fatalf("%s %s: %v", name, k, err)
				}
				for j := range got {
					i := len(inits) - nb + j
					if errs[j] != nil {
						t.Fatalf("%s %s: trajectory %d: %v", name, k, i, errs[j])
					}
					sameFrames(t, name+" "+k, got[j], want[i])
					if bs.Steps()[j] != steps[i] {
						t.Errorf("%s %s: trajectory %d took %d steps, want %d", name, k, i, bs.Steps()[j], steps[i])
					}
				}
				// (strong viscosity, or four cells, smooth the vacuum enough that the Hancock states stay positive)
				if k != "go" && p.Eta < 0.1 && p.Cells > 4 && bs.fallbacks == 0 {
					t.Errorf("%s %s: the near-vacuum trajectory never took the first-order fallback", name, k)
				}
			}
		}
	}
}

// TestBatchFailuresAreSolversErrors: an invalid state, a state whose pressure is lost at once and a
// step limit fail their own trajectories with Solver's exact errors; the others are unaffected.
func TestBatchFailuresAreSolversErrors(t *testing.T) {
	p := batchCases()["periodic viscous"]
	inits := randomInits(p, 6)
	inits[1] = NewState(p.Cells - 1) // wrong size
	lost := NewState(p.Cells)        // kinetic energy swamps the pressure: p = 0 after rounding
	for i := range p.Cells {
		lost.Rho[i], lost.U[i], lost.P[i] = 1, 1e8, 1e-10
	}
	inits[4] = lost
	for _, limit := range []int{0, 7} {
		p.MaxSteps = limit
		sc, _ := NewSolver(p)
		for _, k := range kernelsAvailable() {
			bs, err := newBatchSolver(p, k)
			if err != nil {
				t.Fatal(err)
			}
			got, errs, err := bs.Solve(context.Background(), inits)
			if err != nil {
				t.Fatal(err)
			}
			for i, in := range inits {
				want, werr := sc.Solve(context.Background(), in)
				if (werr == nil) != (errs[i] == nil) || werr != nil && werr.Error() != errs[i].Error() {
					t.Fatalf("%s limit %d: trajectory %d: error %v, want %v", k, limit, i, errs[i], werr)
				}
				if werr == nil {
					sameFrames(t, k, got[i], want)
				} else if got[i] != nil {
					t.Errorf("%s: failed trajectory %d has frames", k, i)
				}
			}
			if !errors.Is(errs[1], pde.ErrInvalidParams) {
				t.Errorf("%s: wrong-size state: %v", k, errs[1])
			}
			var bu *pde.BlowUpError
			if !errors.As(errs[4], &bu) {
				t.Errorf("%s: lost pressure: %v", k, errs[4])
			}
			if limit > 0 && !errors.Is(errs[0], pde.ErrUnstable) {
				t.Errorf("%s: step limit: %v", k, errs[0])
			}
		}
	}
}

func TestBatchSolveIsCancelled(t *testing.T) {
	p := batchCases()["periodic viscous"]
	bs, err := NewBatchSolver(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := bs.Solve(ctx, randomInits(p, 3)); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// scalarOnly hides the generator's batch rows, so pde.WriteFields runs the scalar solver.
type scalarOnly struct{ pde.FieldSystem }

// TestWriteFieldsBatchedMatchesScalar: the generator writes through the batch solver, and the files are
// byte-identical to the scalar solver's for any number of workers.
func TestWriteFieldsBatchedMatchesScalar(t *testing.T) {
	p := batchCases()["periodic viscous"]
	g := Generator{Params: p}
	dir := t.TempDir()
	write := func(name string, sys pde.FieldSystem, workers int) []byte {
		path := filepath.Join(dir, name)
		cfg := pde.WriteConfig{Total: 21, Seed: 3, Workers: workers}
		if _, _, err := pde.WriteFields(context.Background(), path, sys, cfg, datasets.WriteOptions{DType: datasets.Float64}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want := write("scalar", scalarOnly{g}, 2)
	for _, workers := range []int{1, 2, 5} {
		if got := write(fmt.Sprintf("batched-%d", workers), g, workers); !bytes.Equal(got, want) {
			t.Errorf("%d workers: the batched file differs from the scalar one", workers)
		}
	}
	if g.BatchSize() != BatchBlock {
		t.Errorf("small grid: batch size %d, want %d", g.BatchSize(), BatchBlock)
	}
	if def := (Generator{Params: DefaultParams()}); def.BatchSize() != 54 {
		t.Errorf("default grid: batch size %d, want 54 (blockBytes of frames)", def.BatchSize())
	}
}
