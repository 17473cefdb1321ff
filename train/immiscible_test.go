package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/internal/stream"
)

// permutations calls f with every permutation of 0..n-1.
func permutations(n int, f func([]int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			f(p)
			return
		}
		for i := k; i < n; i++ {
			p[k], p[i] = p[i], p[k]
			rec(k + 1)
			p[k], p[i] = p[i], p[k]
		}
	}
	rec(0)
}

func immiscibleFor(t testing.TB, kind string, k, batch, d int, inpaint []int) *immiscible {
	t.Helper()
	p, _ := diffusion.NewProcess("vp-cosine")
	obj := diffusion.DenoisingObjective{Process: p, Prediction: diffusion.PredEps, Time: diffusion.UniformTime{Lo: p.TMin(), Hi: p.TMax()}}
	m, err := newImmiscible(Options{Batch: batch, Immiscible: kind, ImmiscibleK: k}, obj, d, inpaint)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The assigned noise is the step's draws permuted (the batch of noise stays a Gaussian sample) so as to
// minimise the total squared distance to the examples: no permutation of the same draws does better.
func TestImmiscibleAssignIsTheOptimalPermutation(t *testing.T) {
	const batch, d = 6, 4
	m := immiscibleFor(t, ImmiscibleAssign, 0, batch, d, nil)
	rng := stream.RNG(1, "test", 0, "test")
	for step := 0; step < 20; step++ {
		x0, eps := make([]float64, batch*d), make([]float64, batch*d)
		for i := range x0 {
			x0[i] = 0.5*rng.NormFloat64() + float64(i%3) - 1
		}
		if err := m.noise(5, step, x0, eps); err != nil {
			t.Fatal(err)
		}
		total := func(perm []int) float64 {
			s := 0.0
			for b, j := range perm {
				s += m.dist(x0[b*d:(b+1)*d], m.draws[j*d:(j+1)*d])
			}
			return s
		}
		var got []int
		for b := 0; b < batch; b++ {
			for j := 0; j < batch; j++ {
				if slices.Equal(eps[b*d:(b+1)*d], m.draws[j*d:(j+1)*d]) {
					got = append(got, j)
				}
			}
		}
		if len(got) != batch || !isPerm(got) {
			t.Fatalf("step %d: the noise is not a permutation of the draws (%v)", step, got)
		}
		best := math.Inf(1)
		permutations(batch, func(p []int) { best = math.Min(best, total(p)) })
		if g := total(got); g > best*(1+1e-12) {
			t.Fatalf("step %d: assigned total %v, best permutation %v", step, g, best)
		}
		if identity := total([]int{0, 1, 2, 3, 4, 5}); identity < best {
			t.Fatalf("step %d: the unassigned draws (%v) beat the optimum (%v)", step, identity, best)
		}
	}
}

func isPerm(a []int) bool {
	s := slices.Clone(a)
	slices.Sort(s)
	for i, v := range s {
		if v != i {
			return false
		}
	}
	return true
}

// knn gives each example the nearest of its own k draws.
func TestImmiscibleKNNTakesTheNearestDraw(t *testing.T) {
	const batch, d, k = 5, 3, 6
	m := immiscibleFor(t, ImmiscibleKNN, k, batch, d, nil)
	x0, eps := make([]float64, batch*d), make([]float64, batch*d)
	for i := range x0 {
		x0[i] = float64(i%4) - 1.5
	}
	if err := m.noise(2, 7, x0, eps); err != nil {
		t.Fatal(err)
	}
	for b := 0; b < batch; b++ {
		x, e := x0[b*d:(b+1)*d], eps[b*d:(b+1)*d]
		found := false
		for c := 0; c < k; c++ {
			cand := m.draws[(b*k+c)*d : (b*k+c+1)*d]
			if m.dist(x, cand) < m.dist(x, e) {
				t.Fatalf("example %d: draw %d is nearer than the chosen noise", b, c)
			}
			found = found || slices.Equal(cand, e)
		}
		if !found {
			t.Fatalf("example %d: the noise is none of its draws", b)
		}
	}
}

// Inpainted entries carry no noise into the network's input, so the distance ignores them.
func TestImmiscibleDistanceSkipsInpaintedEntries(t *testing.T) {
	m := immiscibleFor(t, ImmiscibleAssign, 0, 2, 4, []int{0, 3})
	if !slices.Equal(m.free, []int{1, 2}) {
		t.Fatalf("free entries %v, want [1 2]", m.free)
	}
	if got := m.dist([]float64{100, 1, 2, -100}, []float64{0, 0, 0, 0}); got != 5 {
		t.Errorf("distance %v, want 5 (1^2 + 2^2 over the free entries)", got)
	}
}

func immiscibleTrainer(t testing.TB, dir, kind string, steps int) *Trainer {
	tr := smallTrainer(t, dir, steps)
	tr.Options.Immiscible = kind
	tr.Options.Batch, tr.Options.CheckpointEvery = 16, 10
	return tr
}

// A run with immiscible noise cancelled mid-way and resumed ends bit-identical to an uninterrupted run
// (the noise comes from a stream keyed by (seed, step)), for both variants; and it differs from the run
// without it.
func TestImmiscibleResumeIsBitIdentical(t *testing.T) {
	const steps = 40
	plain, err := immiscibleTrainer(t, "", "", steps).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{ImmiscibleAssign, ImmiscibleKNN} {
		want, err := immiscibleTrainer(t, t.TempDir(), kind, steps).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := runStoppingAt(immiscibleTrainer(t, dir, kind, steps), 17); !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: err %v, want context.Canceled", kind, err)
		}
		got, err := immiscibleTrainer(t, dir, kind, steps).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got.Resumed != 17 {
			t.Errorf("%s: resumed at %d, want 17", kind, got.Resumed)
		}
		if !sameParams(paramsOf(got.Net), paramsOf(want.Net)) || !sameParams(paramsOf(got.EMA), paramsOf(want.EMA)) {
			t.Errorf("%s: the resumed run's weights differ from the uninterrupted run's", kind)
		}
		if sameParams(paramsOf(got.Net), paramsOf(plain.Net)) {
			t.Errorf("%s: the same weights as without immiscible noise", kind)
		}
		// Resuming it without immiscible noise would train the rest differently: refused.
		if _, err := immiscibleTrainer(t, dir, "", steps+10).Run(context.Background()); err == nil || !strings.Contains(err.Error(), "immiscible") {
			t.Errorf("%s: resumed without immiscible: %v, want a refusal", kind, err)
		}
	}
}

func TestImmiscibleRefusesWhereItMakesNoSense(t *testing.T) {
	run := func(mod func(*Trainer)) error {
		tr := immiscibleTrainer(t, "", ImmiscibleAssign, 3)
		mod(tr)
		_, err := tr.Run(context.Background())
		return err
	}
	for name, c := range map[string]struct {
		mod  func(*Trainer)
		want string
	}{
		"unknown kind":  {func(tr *Trainer) { tr.Options.Immiscible = "ot" }, "unknown immiscible"},
		"k with assign": {func(tr *Trainer) { tr.Options.ImmiscibleK = 8 }, "immiscible_k"},
		"negative k":    {func(tr *Trainer) { tr.Options.Immiscible, tr.Options.ImmiscibleK = ImmiscibleKNN, -1 }, "immiscible_k"},
		"all inpainted": {func(tr *Trainer) { tr.Inpaint = []int{0, 1} }, "every entry is inpainted"},
		"PFGM++ kernel": {func(tr *Trainer) { tr.Objective = ObjectiveConfig{Kind: "edm", PFGMD: 64} }, "PFGM++"},
		"regression": {func(tr *Trainer) {
			tr.Objective, tr.Inputs, tr.Targets = ObjectiveConfig{Kind: ObjectiveRegression}, []int{0}, []int{1}
		}, "a regression draws none"},
	} {
		if err := run(c.mod); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, c.want)
		}
	}
	// EDM's Gaussian noise is fine.
	if err := run(func(tr *Trainer) { tr.Objective = ObjectiveConfig{Kind: "edm"} }); err != nil {
		t.Errorf("edm: %v", err)
	}
}

// The [train] keys of a configuration file.
func TestImmiscibleConfigKeys(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(p, []byte("out = \"r\"\n[data]\npath = \"d.arrow\"\nhorizon = 4\n[train]\nsteps = 1\nimmiscible = \"knn\"\nimmiscible_k = 8\n"), 0o644)
	c, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Train.Immiscible != ImmiscibleKNN || c.Train.ImmiscibleK != 8 {
		t.Errorf("train %+v, want immiscible knn with k 8", c.Train)
	}
}
