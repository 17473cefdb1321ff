package advection

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

// withKernel runs f once with each batch kernel this CPU has (the Go loop, AVX2, AVX-512).
// Solvers f builds get the kernel through forceKernel.
func withKernel(t *testing.T, f func(t *testing.T, k string)) {
	t.Helper()
	for _, k := range kernelsAvailable() {
		t.Run(k, func(t *testing.T) { f(t, k) })
	}
}

// forceKernel makes s run kernel k instead of the one it chose.
func forceKernel(s *BatchSolver, k string) { s.kernel = k }

// sameBits reports the first index where a and b differ bitwise, or -1.
func sameBits(a, b []float64) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i
		}
	}
	return -1
}

// batchInputs draws nb generator initial states on p's grid; state 2 is a step profile (the limiter's
// clipping and zero slopes everywhere), state 4 is zero (a*b = 0 at every cell).
func batchInputs(p Params, nb int) [][]float64 {
	var u0 [][]float64
	for i := range nb {
		u := Sample(RandomInitial(pde.TrajectoryRNG(11, i)).Eval, p.X())
		switch i {
		case 2:
			for j := range u {
				u[j] = 0.25
				if j >= len(u)/3 && j < 2*len(u)/3 {
					u[j] = -1.5
				}
			}
		case 4:
			clear(u)
		}
		u0 = append(u0, u)
	}
	return u0
}

func TestBatchedSolverIsBitIdenticalToScalar(t *testing.T) {
	grids := []Params{
		{Beta: 1, Cells: 4, T: 0.5, Frames: 3, CFL: 0.4},
		{Beta: 0.7, Cells: 37, T: 0.3, Frames: 4, CFL: 0.4},
		{Beta: -2, Cells: 64, T: 0.2, Frames: 5, CFL: 0.4}, // negative speed: the other upwind side
		{Beta: 4, Cells: 256, T: 0.05, Frames: 2, CFL: 0.4},
		{Beta: 1, Cells: 1024, T: 0.02, Frames: 2, CFL: 0.4}, // PDEBench's grid, 2 of its 200 frames
		{Beta: 0, Cells: 16, T: 1, Frames: 3, CFL: 0.4},      // no steps
	}
	withKernel(t, func(t *testing.T, k string) {
		ctx := context.Background()
		for _, p := range grids {
			s, err := NewSolver(p)
			if err != nil {
				t.Fatal(err)
			}
			u0 := batchInputs(p, 13)
			want := make([][]float64, len(u0))
			for i := range u0 {
				if want[i], err = s.Solve(ctx, u0[i], nil); err != nil {
					t.Fatal(err)
				}
			}
			for _, nb := range []int{1, 3, 8, 13} {
				for _, width := range []int{nb, 16} {
					bs, err := NewBatchSolver(p, width)
					if err != nil {
						t.Fatal(err)
					}
					forceKernel(bs, k)
					// Trajectories at different lanes: the batch starting at trajectory 13-nb.
					lo := len(u0) - nb
					got, errs, err := bs.Solve(ctx, u0[lo:], nil)
					if err != nil {
						t.Fatal(err)
					}
					for b := range nb {
						if errs[b] != nil {
							t.Fatalf("N = %d, batch %d: trajectory %d: %v", p.Cells, nb, lo+b, errs[b])
						}
						if i := sameBits(got[b], want[lo+b]); i >= 0 {
							t.Fatalf("N = %d, beta %v, batch %d of width %d: trajectory %d differs from the scalar solver at %d: %v vs %v",
								p.Cells, p.Beta, nb, width, lo+b, i, got[b][i], want[lo+b][i])
						}
					}
				}
			}
		}
	})
}

// The kernels' limiter selects exactly what limiter.MC selects on the awkward inputs: signed zeros,
// ties between the three candidate slopes, tiny and huge differences (a*b underflowing to zero or
// overflowing to Inf).
func TestBatchedLimiterEdgeCases(t *testing.T) {
	p := Params{Beta: 1, Cells: 12, T: 0.01, Frames: 1, CFL: 0.4}
	nz := math.Copysign(0, -1) // negative zero: the literal -0.0 is +0 in Go
	rows := [][]float64{
		{0, nz, 0, 1, 3, 5, 5, 4, 2, 0, nz, nz},        // equal differences: 2a = 2b = c
		{1, 2, 4, 8, 16, 8, 4, 2, 1, 0.5, 0.25, 0.125}, // ties of 2a with c
		{1e-300, 2e-300, 5e-300, 1e-310, 0, -1e-310, -3e-300, -1e-300, 0, 4e-320, 0, -4e-320},
		{1e200, -1e200, 3e200, 1e154, -1e154, 2e154, 1e-5, 0, 1e154, 3e154, -2e154, 0},
		{-1, -2, -4, -8, -4, -2, -1, -0.5, -0.25, -0.5, -1, -2}, // negative slopes (max branch)
	}
	ctx := context.Background()
	s, err := NewSolver(p)
	if err != nil {
		t.Fatal(err)
	}
	withKernel(t, func(t *testing.T, k string) {
		bs, err := NewBatchSolver(p, len(rows))
		if err != nil {
			t.Fatal(err)
		}
		forceKernel(bs, k)
		got, errs, err := bs.Solve(ctx, rows, nil)
		if err != nil {
			t.Fatal(err)
		}
		for b, u0 := range rows {
			want, werr := s.Solve(ctx, u0, nil)
			if (werr == nil) != (errs[b] == nil) || (werr != nil && werr.Error() != errs[b].Error()) {
				t.Fatalf("row %d: batch error %v, scalar error %v", b, errs[b], werr)
			}
			if i := sameBits(got[b], want); werr == nil && i >= 0 {
				t.Errorf("row %d differs from the scalar solver at %d: %v vs %v", b, i, got[b][i], want[i])
			}
		}
	})
}

// A trajectory that blows up, or has invalid inputs, gets its own error, the one the scalar solver
// gives; the others finish with the scalar results.
func TestBatchedBlowUpIsPerTrajectory(t *testing.T) {
	p := Params{Beta: 1, Cells: 64, T: 0.1, Frames: 4, CFL: 0.4}
	s, err := NewSolver(p)
	if err != nil {
		t.Fatal(err)
	}
	u0 := batchInputs(p, 6)
	u0[1] = append([]float64(nil), u0[1]...)
	u0[1][7] = 1e308 // overflows to Inf in the first frame
	u0[3] = u0[3][:10]
	u0[5] = append([]float64(nil), u0[5]...)
	u0[5][2] = math.NaN()
	ctx := context.Background()
	withKernel(t, func(t *testing.T, k string) {
		bs, err := NewBatchSolver(p, 9)
		if err != nil {
			t.Fatal(err)
		}
		forceKernel(bs, k)
		got, errs, err := bs.Solve(ctx, u0, nil)
		if err != nil {
			t.Fatal(err)
		}
		for b := range u0 {
			want, werr := s.Solve(ctx, u0[b], nil)
			switch {
			case werr == nil && errs[b] == nil:
				if i := sameBits(got[b], want); i >= 0 {
					t.Errorf("trajectory %d differs from the scalar solver at %d", b, i)
				}
			case werr == nil || errs[b] == nil:
				t.Errorf("trajectory %d: batch error %v, scalar error %v", b, errs[b], werr)
			case got[b] != nil || werr.Error() != errs[b].Error() || errors.Is(werr, pde.ErrInvalidParams) != errors.Is(errs[b], pde.ErrInvalidParams):
				t.Errorf("trajectory %d: batch error %v, scalar error %v", b, errs[b], werr)
			}
		}
		var bu *pde.BlowUpError
		if !errors.As(errs[1], &bu) {
			t.Errorf("trajectory 1: %v, want a blow-up", errs[1])
		}
		for _, b := range []int{3, 5} {
			if !errors.Is(errs[b], pde.ErrInvalidParams) {
				t.Errorf("trajectory %d: %v, want ErrInvalidParams", b, errs[b])
			}
		}
		if _, _, err := bs.Solve(ctx, make([][]float64, 10), nil); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("10 trajectories on width 9: %v", err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := bs.Solve(cctx, u0, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v", err)
		}
	})
}

// scalarOnly hides the generator's batched rows, so pde.WriteFields runs the scalar solver.
type scalarOnly struct{ pde.FieldSystem }

// The generator writes through the batched solver; the files are byte-identical to the scalar
// solver's for any number of workers.
func TestWriteFieldsBatchedMatchesScalar(t *testing.T) {
	p := Params{Beta: 0.4, Cells: 48, T: 0.2, Frames: 3, CFL: 0.4}
	ctx := context.Background()
	dir := t.TempDir()
	opts := datasets.WriteOptions{DType: datasets.Float64}
	write := func(name string, sys pde.FieldSystem, cfg pde.WriteConfig) []byte {
		path := filepath.Join(dir, name)
		if _, _, err := pde.WriteFields(ctx, path, sys, cfg, opts); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, m := range []Method{FiniteVolume, Exact} {
		g := Generator{Params: p, Method: m}
		want := write(fmt.Sprintf("scalar-%v", m), scalarOnly{g}, pde.WriteConfig{Total: 21, Seed: 3, Workers: 2})
		for _, workers := range []int{1, 2, 5} {
			got := write(fmt.Sprintf("batched-%v-%d", m, workers), g, pde.WriteConfig{Total: 21, Seed: 3, Workers: workers})
			if !bytes.Equal(got, want) {
				t.Errorf("%v, %d workers: the batched file differs from the scalar one", m, workers)
			}
		}
	}
	// The exact method's batch rows (not used by WriteFields, BatchSize is 1) are its rows too.
	ge := Generator{Params: p, Method: Exact}
	brows, err := ge.NewBatchRows()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ge.NewRows()
	if err != nil {
		t.Fatal(err)
	}
	got, err := brows(ctx, 3, 5, 9)
	if err != nil || len(got) != 4 {
		t.Fatal(len(got), err)
	}
	for k, row := range got {
		want, err := rows(ctx, 3, 5+k)
		if err != nil || sameBits(row.State, want.State) >= 0 || sameBits(row.Params, want.Params) >= 0 {
			t.Errorf("exact method: batch row %d differs from the row (%v)", 5+k, err)
		}
	}
	// A block's trajectories are the generator's.
	g := Generator{Params: p}
	s, err := g.NewSolver()
	if err != nil {
		t.Fatal(err)
	}
	bs, err := g.NewBatchSolver()
	if err != nil {
		t.Fatal(err)
	}
	trs, errs, err := g.Trajectories(ctx, bs, 3, 13, 21)
	if err != nil {
		t.Fatal(err)
	}
	for k, tr := range trs {
		one, err := g.Trajectory(ctx, s, 3, 13+k)
		if err != nil || errs[k] != nil {
			t.Fatal(err, errs[k])
		}
		if sameBits(tr.U, one.U) >= 0 || fmt.Sprint(tr.Initial) != fmt.Sprint(one.Initial) {
			t.Errorf("batched trajectory %d differs from Generator.Trajectory", 13+k)
		}
	}
}
