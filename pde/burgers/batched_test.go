package burgers

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

// withKernel runs f once with each batch kernel this CPU has (the Go loop, AVX2, AVX-512 with one and
// with two steps per pass).
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

// batchInputs draws nb generator trajectories' inputs (trajectory 1 without control).
func batchInputs(p Params, nb int) (u0, f [][]float64) {
	for i := range nb {
		r := pde.TrajectoryRNG(11, i)
		ic, ctl := RandomInitial(r), RandomControl(r, i%4 == 3)
		u0 = append(u0, ic.Sample(p))
		if i == 1 {
			f = append(f, nil)
		} else {
			f = append(f, ctl.Sample(p))
		}
	}
	return u0, f
}

func TestBatchedSolverIsBitIdenticalToScalar(t *testing.T) {
	grids := []Params{
		{Nu: 0.01, Cells: 7, Refine: 3, T: 0.2, Frames: 3, StepsPerFrame: 100},           // M = 23
		{Nu: 0.01, Cells: 30, Refine: 4, T: 0.3, Frames: 4, DiffusionNumber: 0.45},       // M = 123
		{Nu: 0.01, Cells: 60, Refine: 4, T: 8.0 / 40 * 3, Frames: 3, StepsPerFrame: 480}, // WDNO small, 3 of its 40 frames, M = 243
		{Nu: 0.01, Cells: 128, Refine: 4, T: 0.2, Frames: 2, DiffusionNumber: 0.4},       // default grid, M = 515
		{Nu: 0.02, Cells: 2, Refine: 1, T: 0.1, Frames: 2, StepsPerFrame: 51},            // M = 2, an odd number of steps
	}
	withKernel(t, func(t *testing.T, k string) {
		ctx := context.Background()
		for _, p := range grids {
			s, err := NewSolver(p)
			if err != nil {
				t.Fatal(err)
			}
			u0, f := batchInputs(p, 13)
			want := make([][]float64, len(u0))
			for i := range u0 {
				if want[i], err = s.Solve(ctx, u0[i], f[i], nil); err != nil {
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
					got, errs, err := bs.Solve(ctx, u0[lo:], f[lo:], nil)
					if err != nil {
						t.Fatal(err)
					}
					for b := range nb {
						if errs[b] != nil {
							t.Fatalf("M = %d, batch %d: trajectory %d: %v", p.FinePoints(), nb, lo+b, errs[b])
						}
						if i := sameBits(got[b], want[lo+b]); i >= 0 {
							t.Fatalf("M = %d, batch %d of width %d: trajectory %d differs from the scalar solver at %d: %v vs %v",
								p.FinePoints(), nb, width, lo+b, i, got[b][i], want[lo+b][i])
						}
					}
				}
			}
		}
	})
}

// A trajectory that blows up, or has invalid inputs, gets its own error, the one the scalar solver
// gives; the others finish with the scalar results.
func TestBatchedBlowUpIsPerTrajectory(t *testing.T) {
	p := DefaultParams()
	p.T, p.Frames = 0.3, 3
	s, err := NewSolver(p)
	if err != nil {
		t.Fatal(err)
	}
	u0, f := batchInputs(p, 6)
	hot := make([]float64, p.Frames*p.Cells)
	for j := range p.Cells {
		hot[p.Cells+j] = 1e3 // blows up in the second interval
	}
	f[2] = hot
	u0[4] = append(make([]float64, p.Cells-1), 100) // beyond the stability bound from the start
	f[5] = f[5][:7]                                 // wrong length
	ctx := context.Background()
	withKernel(t, func(t *testing.T, k string) {
		bs, err := NewBatchSolver(p, 9)
		if err != nil {
			t.Fatal(err)
		}
		forceKernel(bs, k)
		got, errs, err := bs.Solve(ctx, u0, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for b := range u0 {
			want, werr := s.Solve(ctx, u0[b], f[b], nil)
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
		if !errors.As(errs[2], &bu) || bu.Step < p.Steps() || bu.Step >= 2*p.Steps() {
			t.Errorf("trajectory 2: %v, want a blow-up in the second interval", errs[2])
		}
		for _, b := range []int{4, 5} {
			if !errors.Is(errs[b], pde.ErrInvalidParams) {
				t.Errorf("trajectory %d: %v, want ErrInvalidParams", b, errs[b])
			}
		}
		if _, _, err := bs.Solve(ctx, make([][]float64, 10), nil, nil); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("10 trajectories on width 9: %v", err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := bs.Solve(cctx, u0, f, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v", err)
		}
	})
}

// A NaN inside one lane's state is located as the scalar solver locates it, and the other lanes run on.
func TestBatchedNaNIsLocatedPerLane(t *testing.T) {
	p := DefaultParams()
	s, err := NewSolver(p)
	if err != nil {
		t.Fatal(err)
	}
	clear(s.u)
	s.u[99] = math.NaN()
	want := s.interval(0)
	withKernel(t, func(t *testing.T, k string) {
		bs, err := NewBatchSolver(p, 3)
		if err != nil {
			t.Fatal(err)
		}
		forceKernel(bs, k)
		clear(bs.u)
		clear(bs.dtf)
		for b := range 3 {
			bs.live[b] = true
		}
		bs.u[(99+1)*bs.stride+1] = math.NaN() // fine point 99 is row 100
		bs.u[(7+1)*bs.stride+2] = 0.5
		errs := make([]error, 3)
		bs.interval(0, p.MaxStableSpeed(), errs)
		if errs[0] != nil || errs[2] != nil || fmt.Sprint(errs[1]) != fmt.Sprint(want) {
			t.Errorf("errors %v, want [nil %v nil]", errs, want)
		}
		if bs.live[1] || !bs.live[2] || bs.u[(7+1)*bs.stride+2] == 0.5 {
			t.Error("the blown-up lane should stop, the others run on")
		}
	})
}

// scalarOnly hides the generator's batched rows, so pde.WriteFields runs the scalar solver.
type scalarOnly struct{ pde.FieldSystem }

// The generator writes through the batched solver; the files are byte-identical to the scalar
// solver's for any number of workers and shards.
func TestWriteFieldsBatchedMatchesScalar(t *testing.T) {
	p := DefaultParams()
	p.Cells, p.Refine, p.Frames, p.T = 40, 3, 3, 0.15
	g := Generator{Params: p}
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
	want := write("scalar", scalarOnly{g}, pde.WriteConfig{Total: 21, Seed: 3, Workers: 2})
	for _, workers := range []int{1, 2, 5} {
		got := write(fmt.Sprintf("batched-%d", workers), g, pde.WriteConfig{Total: 21, Seed: 3, Workers: workers})
		if !bytes.Equal(got, want) {
			t.Errorf("%d workers: the batched file differs from the scalar one", workers)
		}
	}
	// A shard's rows are the generator's trajectories.
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
		if sameBits(tr.U, one.U) >= 0 || sameBits(tr.F, one.F) >= 0 || fmt.Sprint(tr.Initial, tr.Control) != fmt.Sprint(one.Initial, one.Control) {
			t.Errorf("batched trajectory %d differs from Generator.Trajectory", 13+k)
		}
	}
}

// Control.Sample's cached factors give Control.Eval's values bit for bit.
func TestControlSampleMatchesEval(t *testing.T) {
	p := DefaultParams()
	x := p.X()
	for i := range 20 {
		c := RandomControl(pde.TrajectoryRNG(5, i), i%3 == 0)
		f := c.Sample(p)
		for k := range p.Frames {
			tau := float64(k+1) / float64(p.Frames+1)
			for j, xj := range x {
				if v := c.Eval(xj, tau); math.Float64bits(v) != math.Float64bits(f[k*p.Cells+j]) {
					t.Fatalf("control %d frame %d point %d: Sample %v, Eval %v", i, k, j, f[k*p.Cells+j], v)
				}
			}
		}
	}
}
