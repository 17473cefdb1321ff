//go:build cuda || trajdiff_cuda

package gpu

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// A poisoning plants non-finite values in single examples of the 64-D mixture check: a NaN row of the
// denoiser output at one evaluation time, an Inf in one value at another, an Inf in the state before a later
// evaluation (written by the conditioner: the state stays non-finite, so every later output of that example
// is NaN again, and only the first may be reported), and an Inf in the final state (written by the
// conditioner after the last step, so every denoiser output of that example stays finite).
type poisoning struct {
	dim              int
	nanRow, nanT     int // example and evaluation (index into evals) of the NaN row
	infRow, infT     int
	stateRow, stateT int // the state's Inf is written at the condition of time evals[stateT]
	finalRow         int
	evals            []float64 // the plan's evaluation times
	final            float64   // the time of the plan's last condition
	wantRows         []int     // the reports expected, in order
	wantTimes        []float64 // (0 for the final state)
}

func newPoisoning(prog *Program, dim int) poisoning {
	var evals []float64
	final := math.NaN()
	for _, l := range prog.Launches {
		switch l.Kind {
		case LaunchEval:
			evals = append(evals, l.T)
		case LaunchCondition:
			final = l.T
		}
	}
	p := poisoning{dim: dim, nanRow: 3, nanT: 5, infRow: 9, infT: 2, stateRow: 6, stateT: 6, finalRow: 12, evals: evals, final: final}
	p.wantRows = []int{p.infRow, p.nanRow, p.stateRow, p.finalRow}
	p.wantTimes = []float64{evals[p.infT], evals[p.nanT], evals[p.stateT], 0}
	return p
}

func (p poisoning) failed(j int) bool {
	return j == p.nanRow || j == p.infRow || j == p.stateRow || j == p.finalRow
}

// gpuPoisoned wraps a device denoiser with p's denoiser poisoning; gpuPoisonedCond is its final-state one.
type gpuPoisoned struct {
	Denoiser
	p poisoning
}

func (g gpuPoisoned) Denoise(s *Stream, dst, x Buffer, t float64) error {
	if err := g.Denoiser.Denoise(s, dst, x, t); err != nil {
		return err
	}
	d := g.p.dim
	switch t {
	case g.p.evals[g.p.nanT]:
		return s.Fill(dst.Slice(g.p.nanRow*d, (g.p.nanRow+1)*d), math.NaN())
	case g.p.evals[g.p.infT]:
		return s.Fill(dst.Slice(g.p.infRow*d+7, g.p.infRow*d+8), math.Inf(1))
	}
	return nil
}

type gpuPoisonedCond struct{ p poisoning }

func (g gpuPoisonedCond) Condition(s *Stream, x Buffer, t, _, _ float64) error {
	d := g.p.dim
	switch t {
	case g.p.evals[g.p.stateT]:
		return s.Fill(x.Slice(g.p.stateRow*d+30, g.p.stateRow*d+31), math.Inf(1))
	case g.p.final:
		return s.Fill(x.Slice(g.p.finalRow*d, g.p.finalRow*d+1), math.Inf(-1))
	}
	return nil
}

// cpuPoisoned and cpuPoisonedCond are the same poisoning on the CPU executor.
type cpuPoisoned struct {
	diffusion.Denoiser
	p poisoning
}

func (c cpuPoisoned) Denoise(dst, x []float64, t float64) error {
	if err := c.Denoiser.Denoise(dst, x, t); err != nil {
		return err
	}
	d := c.p.dim
	switch t {
	case c.p.evals[c.p.nanT]:
		for i := c.p.nanRow * d; i < (c.p.nanRow+1)*d; i++ {
			dst[i] = math.NaN()
		}
	case c.p.evals[c.p.infT]:
		dst[c.p.infRow*d+7] = math.Inf(1)
	}
	return nil
}

type cpuPoisonedCond struct{ p poisoning }

func (c cpuPoisonedCond) Condition(x []float64, t, _, _ float64) error {
	switch t {
	case c.p.evals[c.p.stateT]:
		x[c.p.stateRow*c.p.dim+30] = math.Inf(1)
	case c.p.final:
		x[c.p.finalRow*c.p.dim] = math.Inf(-1)
	}
	return nil
}

// With RunOptions.NonFinite, an example whose denoiser output or final state goes non-finite fails alone:
// it is reported once with the time of its first non-finite output (0 for the state), in the CPU executor's
// order and with its times, its sample is NaN, and every other example is bit for bit the sample of a run
// without the poisoning, with launches and with graph replay (switching isolation on and off recaptures).
func TestGPUNonFiniteExampleFailsAlone(t *testing.T) {
	d := testDevice(t)
	g := checkMixture(t)
	p := diffusion.NewEDM()
	s, _ := diffusion.NewSolver("dpmpp-2m-sde")
	plan, err := diffusion.PlanForNFE(s, p, diffusion.Karras{Rho: 7}, 10)
	if err != nil {
		t.Fatal(err)
	}
	const examples = 16
	m, err := NewMixture(d, g, p)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	x0 := initialNoise(g, p, examples, 4)
	e, err := NewExecutor(d, plan, len(x0))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pois := newPoisoning(e.Program(), 64)
	if math.IsNaN(pois.final) || len(pois.evals) != 10 {
		t.Fatalf("plan has %d evaluations and final condition time %v", len(pois.evals), pois.final)
	}

	// The CPU executor's reports for the same poisoning.
	var cpuRows []int
	var cpuTimes []float64
	cpu := slices.Clone(x0)
	err = diffusion.Sample(context.Background(), plan, cpuPoisoned{g.Denoiser(p), pois}, cpu, diffusion.RunOptions{Seed: 5,
		Condition: cpuPoisonedCond{pois}, NonFinite: func(j int, t float64) { cpuRows, cpuTimes = append(cpuRows, j), append(cpuTimes, t) }})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cpuRows, pois.wantRows) || !slices.Equal(cpuTimes, pois.wantTimes) {
		t.Fatalf("CPU reports examples %v at %v, want %v at %v", cpuRows, cpuTimes, pois.wantRows, pois.wantTimes)
	}

	run := func(den Denoiser, opt RunOptions) []float32 {
		t.Helper()
		x := make([]float32, len(x0))
		for i, v := range x0 {
			x[i] = float32(v)
		}
		if err := e.Run(context.Background(), den, x, opt); err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, graph := range []bool{false, true} {
		clean := run(m, RunOptions{Seed: 5, Graph: graph})
		var rows []int
		var times []float64
		opt := RunOptions{Seed: 5, Graph: graph, Condition: gpuPoisonedCond{pois},
			NonFinite: func(j int, t float64) { rows, times = append(rows, j), append(times, t) }}
		den := gpuPoisoned{m, pois}
		for round := range 2 { // the second isolated run replays (or relaunches) on marks cleared again
			rows, times = nil, nil
			got := run(den, opt)
			if !slices.Equal(rows, cpuRows) || !slices.Equal(times, cpuTimes) {
				t.Errorf("graph %v round %d: reports examples %v at %v, want the CPU's %v at %v", graph, round, rows, times, cpuRows, cpuTimes)
			}
			for j := range examples {
				for i := j * 64; i < (j+1)*64; i++ {
					if pois.failed(j) && !math.IsNaN(float64(got[i])) {
						t.Fatalf("graph %v: failed example %d has value %v at %d, want NaN", graph, j, got[i], i)
					}
					if !pois.failed(j) && math.Float32bits(got[i]) != math.Float32bits(clean[i]) {
						t.Fatalf("graph %v: healthy example %d value %d is %v, %v without the poisoning", graph, j, i, got[i], clean[i])
					}
				}
			}
		}
		// Without NonFinite the same poisoning fails the run, and a clean run afterwards is unchanged.
		if err := e.Run(context.Background(), den, make([]float32, len(x0)), RunOptions{Seed: 5, Graph: graph}); err == nil {
			t.Errorf("graph %v: a poisoned run without isolation succeeded", graph)
		}
		if again := run(m, RunOptions{Seed: 5, Graph: graph}); !slices.Equal(again, clean) {
			t.Errorf("graph %v: the clean run changed after isolated runs", graph)
		}
	}
}
