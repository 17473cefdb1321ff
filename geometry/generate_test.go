package geometry

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

func collect(t *testing.T, sys System, cfg GenerateConfig) []*Trajectory {
	t.Helper()
	var out []*Trajectory
	next := cfg.Start
	err := Generate(context.Background(), sys, cfg, func(i int, tr *Trajectory) error {
		if i != next {
			t.Fatalf("emitted index %d, want %d", i, next)
		}
		next++
		out = append(out, tr)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGenerateIsDeterministic: the same trajectories for any number of workers and any sharding of
// the index range; different splits and seeds give different trajectories.
func TestGenerateIsDeterministic(t *testing.T) {
	sys := NewCharged(5)
	run := Run{Steps: 1000, SampleFreq: 100}
	base := GenerateConfig{Seed: 7, Split: "train", Count: 12, Run: run, Workers: 1}
	one := collect(t, sys, base)
	base.Workers = 5
	many := collect(t, sys, base)
	a := collect(t, sys, GenerateConfig{Seed: 7, Split: "train", Start: 0, Count: 5, Run: run, Workers: 3})
	b := collect(t, sys, GenerateConfig{Seed: 7, Split: "train", Start: 5, Count: 7, Run: run, Workers: 2})
	sharded := append(a, b...)
	for i := range one {
		if !slices.Equal(one[i].X, many[i].X) || !slices.Equal(one[i].X, sharded[i].X) || !slices.Equal(one[i].V, sharded[i].V) {
			t.Fatalf("trajectory %d differs between worker counts or shards", i)
		}
	}
	val := collect(t, sys, GenerateConfig{Seed: 7, Split: "val", Count: 1, Run: run})
	other := collect(t, sys, GenerateConfig{Seed: 8, Split: "train", Count: 1, Run: run})
	if slices.Equal(val[0].X, one[0].X) || slices.Equal(other[0].X, one[0].X) {
		t.Error("splits or seeds share trajectories")
	}
	direct, err := SimulateIndex(sys, 7, "train", 3, run)
	if err != nil || !slices.Equal(direct.X, one[3].X) {
		t.Errorf("SimulateIndex differs from Generate: %v", err)
	}
}

// TestSamplersMatchPublishedDistributions checks the initial-state distributions: charges +-1 with
// probability 1/2, spring edges with probability 1/2 and symmetric, velocity norms exactly 0.5,
// position standard deviations 1 (charged, n = 5), 0.5 (springs) and 1 (gravity), gravity's zero
// total momentum.
func TestSamplersMatchPublishedDistributions(t *testing.T) {
	const m = 4000
	check := func(name string, got, want, sigma float64) {
		t.Helper()
		if math.Abs(got-want) > 5*sigma {
			t.Errorf("%s = %v, want %v +- %v", name, got, want, 5*sigma)
		}
	}
	ch, sp, gr := NewCharged(5), NewSprings(5), NewGravity(10)
	var pos, q, e, x2c, x2s, x2g float64
	for i := 0; i < m; i++ {
		s, p := ch.Sample(StreamRNG(1, "dist", uint64(i)))
		for j := 0; j < 5; j++ {
			if p.Charges[j] != 1 && p.Charges[j] != -1 {
				t.Fatalf("charge %v", p.Charges[j])
			}
			pos += (p.Charges[j] + 1) / 2
			v := s.V[3*j : 3*j+3]
			if n := math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2]); math.Abs(n-0.5) > 1e-15 {
				t.Fatalf("velocity norm %v", n)
			}
		}
		for _, x := range s.X {
			x2c += x * x
		}
		s, p = sp.Sample(StreamRNG(1, "dist", uint64(i)))
		for a := 0; a < 5; a++ {
			if p.Couplings[a*5+a] != 0 {
				t.Fatal("self spring")
			}
			for b := 0; b < a; b++ {
				if p.Couplings[a*5+b] != p.Couplings[b*5+a] {
					t.Fatal("asymmetric springs")
				}
				e += p.Couplings[a*5+b]
			}
		}
		for _, x := range s.X {
			x2s += x * x
		}
		s, p = gr.Sample(StreamRNG(1, "dist", uint64(i)))
		mom := gr.Momentum(s, p)
		for _, c := range mom {
			if math.Abs(c) > 1e-12 {
				t.Fatalf("gravity momentum %v", mom)
			}
		}
		for _, x := range s.X {
			x2g += x * x
		}
		q++
	}
	check("P(q = +1)", pos/(5*m), 0.5, math.Sqrt(0.25/(5*m)))
	check("P(spring)", e/(10*m), 0.5, math.Sqrt(0.25/(10*m)))
	check("charged position variance", x2c/(15*m), 1, math.Sqrt(2.0/(15*m)))
	check("springs position variance", x2s/(15*m), 0.25, 0.25*math.Sqrt(2.0/(15*m)))
	check("gravity position variance", x2g/(30*m), 1, math.Sqrt(2.0/(30*m)))
}

func TestGenerateErrors(t *testing.T) {
	sys := NewSprings(5)
	run := Run{Steps: 500, SampleFreq: 100}
	boom := errors.New("boom")
	n := 0
	err := Generate(context.Background(), sys, GenerateConfig{Count: 50, Run: run, Workers: 3}, func(i int, tr *Trajectory) error {
		n++
		if i == 4 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || n != 5 {
		t.Errorf("emit error: %v after %d", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Generate(ctx, sys, GenerateConfig{Count: 50, Run: run}, func(int, *Trajectory) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	if err := Generate(context.Background(), sys, GenerateConfig{Count: 1, Run: Run{Steps: 550, SampleFreq: 100}}, nil); err == nil {
		t.Error("steps not a multiple of sample_freq accepted")
	}
	if _, err := sys.Simulate(State{X: make([]float64, 14), V: make([]float64, 15)}, Params{Couplings: make([]float64, 25)}, run); err == nil {
		t.Error("short state accepted")
	}
	s, p := sys.Sample(StreamRNG(0, "x", 0))
	s.X[2] = 16
	if _, err := sys.Simulate(s, p, run); err == nil {
		t.Error("position beyond 3 box sizes accepted (the published generator asserts)")
	}
	s.X[2] = 6 // reflected to 4, velocity pointing inwards
	tr, err := sys.Simulate(s, p, run)
	if err != nil || tr.Initial.X[2] != 4 || tr.Initial.V[2] > 0 {
		t.Errorf("initial reflection: %v, x %v v %v", err, tr.Initial.X[2], tr.Initial.V[2])
	}
	var frames []int
	err = Generate(context.Background(), sys, GenerateConfig{Count: 3, Run: run, Progress: func(d, total int) { frames = append(frames, d*10+total) }}, func(int, *Trajectory) error { return nil })
	if err != nil || !slices.Equal(frames, []int{13, 23, 33}) {
		t.Errorf("progress calls %v, %v", frames, err)
	}
}

// TestFrameConventions: NRI systems save steps sf..T-sf (T/sf - 1 frames), gravity 0..T-sf (T/sf),
// and MaxFrames truncates without changing the frames.
func TestFrameConventions(t *testing.T) {
	for _, name := range SystemNames() {
		sys, err := NewSystem(name, 0)
		if err != nil {
			t.Fatal(err)
		}
		s, p := sys.Sample(StreamRNG(1, "frames", 0))
		full, err := sys.Simulate(s, p, Run{Steps: 5000, SampleFreq: 100})
		if (name == "gravity") != (sys.Nodes() == 10) {
			t.Errorf("%s has %d nodes by default", name, sys.Nodes())
		}
		if err != nil {
			t.Fatal(err)
		}
		short, err := sys.Simulate(s, p, DefaultRun())
		if err != nil {
			t.Fatal(err)
		}
		first, frames := 100, 49
		if sys.Name() == "gravity" {
			first, frames = 0, 50
		}
		if full.Frames != frames || full.Step[0] != first || full.Step[frames-1] != 4900 {
			t.Errorf("%s: %d frames, steps %d..%d", sys.Name(), full.Frames, full.Step[0], full.Step[full.Frames-1])
		}
		n := 30 * sys.Nodes() * Dim
		if sys.Frames(Run{Steps: 5000, SampleFreq: 100}) != full.Frames || sys.Frames(DefaultRun()) != short.Frames {
			t.Errorf("%s: Frames disagrees with Simulate", sys.Name())
		}
		if short.Frames != 30 || !slices.Equal(short.X, full.X[:n]) || !slices.Equal(short.V, full.V[:n]) {
			t.Errorf("%s: the first 30 frames differ from the full run's", sys.Name())
		}
	}
}

func TestNewSystem(t *testing.T) {
	if _, err := NewSystem("magnetic", 0); err == nil {
		t.Error("unknown system accepted")
	}
	if _, err := NewSystem("charged", 1); err == nil {
		t.Error("one particle accepted")
	}
	sys, err := NewSystem("charged", 20)
	if err != nil || sys.Nodes() != 20 || math.Abs(sys.(*Charged).LocStd-math.Cbrt(4)) > 1e-15 {
		t.Errorf("charged(20): %v", err)
	}
}
