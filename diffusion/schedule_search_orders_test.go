package diffusion

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// orderSearchFixture is searchFixture with UniPC-3 and the step orders searched.
func orderSearchFixture(t *testing.T, maxEvals int) ScheduleSearch {
	s := searchFixture(t, maxEvals)
	s.Solver, s.SearchOrders = UniPC{Order: 3}, true
	return s
}

func TestOrderSearchNeverLosesToItsStartAndReportsTheTrueLoss(t *testing.T) {
	s := orderSearchFixture(t, 200)
	r, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !(r.Loss <= r.StartLoss) {
		t.Fatalf("searched loss %v above the start's %v", r.Loss, r.StartLoss)
	}
	if len(r.Orders) != r.Steps || len(r.StartOrders) != r.Steps {
		t.Fatalf("orders %v, start orders %v for %d steps", r.Orders, r.StartOrders, r.Steps)
	}
	// The start runs the solver's default sequence, explicitly.
	def, _, err := UniPC{Order: 3}.StepOrderRange(s.Process, r.Times)
	if err != nil || !slices.Equal(def, r.StartOrders) {
		t.Errorf("start orders %v, default %v (%v)", r.StartOrders, def, err)
	}
	o := s
	o.Solver = UniPC{Order: 3, Orders: r.Orders}
	if got := sampleRMSE(t, o, r.Times); math.Abs(got-r.Loss) > 1e-12*(1+r.Loss) {
		t.Errorf("reported loss %v, recomputed with orders %v: %v", r.Loss, r.Orders, got)
	}
	t.Logf("loss %.4g -> %.4g, orders %v -> %v", r.StartLoss, r.Loss, r.StartOrders, r.Orders)
}

func TestOrderSearchIsDeterministic(t *testing.T) {
	a, err := orderSearchFixture(t, 80).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := orderSearchFixture(t, 80).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Times, b.Times) || !slices.Equal(a.Orders, b.Orders) || a.Loss != b.Loss || a.Evals != b.Evals {
		t.Errorf("two runs differ: %v %v (%v) and %v %v (%v)", a.Times, a.Orders, a.Loss, b.Times, b.Orders, b.Loss)
	}
}

// Fixed explicit orders are kept; orders for a solver without them, or of the wrong length, are refused.
func TestScheduleSearchHonoursOrRefusesExplicitOrders(t *testing.T) {
	s := searchFixture(t, 40)
	s.Solver, s.Orders = DPMSolverPP{Order: 3}, []int{1, 2, 2, 3, 1}
	r, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Orders, s.Orders) {
		t.Errorf("orders %v, given %v", r.Orders, s.Orders)
	}
	for _, c := range []struct {
		mod  func(*ScheduleSearch)
		want string
	}{
		{func(s *ScheduleSearch) { s.Solver, s.SearchOrders = DDIM{}, true }, "ddim takes no explicit step orders"},
		{func(s *ScheduleSearch) { s.Solver, s.Orders = DPMSolverPP{Order: 3}, []int{1, 2, 1} }, "3 step orders given, dpmpp-3m takes 5 steps"},
		{func(s *ScheduleSearch) { s.Solver, s.Orders = DPMSolverPP{Order: 3}, []int{1, 2, 3, 3, 2} }, "final step to t = 0 is first order"},
		{func(s *ScheduleSearch) { s.Solver = UniPC{Order: 3, Orders: []int{1, 2, 3, 2, 1}} }, "not in the solver"},
		{func(s *ScheduleSearch) { s.Solver, s.SearchOrders = DPMSolverPP{Order: 2, Beta: 0.8}, true }, "heavy-ball"},
	} {
		s := searchFixture(t, 10)
		c.mod(&s)
		if _, err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
}

// A schedule file with step orders runs them with the solver they were searched for, wherever a plan is
// compiled for a schedule (PlanForNFE, ScheduleSolver), and refuses every other solver.
func TestScheduleFileWithOrdersRunsThemAndRefusesOtherSolvers(t *testing.T) {
	s := orderSearchFixture(t, 40)
	r, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "orders.json")
	if err := NewScheduleFile(s.Process, s.Solver, s.NFE, r, "mixture", ScheduleCalib{Points: 32}).Save(path); err != nil {
		t.Fatal(err)
	}
	sch, err := NewSchedule(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sch.Name(), "searched for unipc-3 with step orders "+FormatStepOrders(r.Orders)) {
		t.Errorf("name %q does not give the orders", sch.Name())
	}
	got, err := PlanForNFE(UniPC{Order: 3}, s.Process, sch, s.NFE)
	if err != nil {
		t.Fatal(err)
	}
	want, err := UniPC{Order: 3, Orders: r.Orders}.Plan(s.Process, r.Times)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Ops, want.Ops) {
		t.Error("PlanForNFE with the file does not run its step orders")
	}
	for _, other := range []Solver{DDIM{}, UniPC{Order: 2}, DPMSolverPP{Order: 3}, UniPC{Order: 3, Orders: []int{1, 1, 1, 1, 1}}} {
		if _, err := PlanForNFE(other, s.Process, sch, s.NFE); err == nil {
			t.Errorf("%s %v accepted a file with step orders searched for unipc-3", other.Name(), other)
		}
		if _, err := ScheduleSolver(other, sch); err == nil {
			t.Errorf("ScheduleSolver: %s accepted the file", other.Name())
		}
	}
	if sv, err := ScheduleSolver(DDIM{}, UniformLogSNR{}); err != nil || sv != (DDIM{}) {
		t.Errorf("a built-in schedule changed the solver: %v, %v", sv, err)
	}
	// A file whose orders do not match its steps is refused when read.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(b), `"orders": [`, `"orders": [1, `, 1)
	badPath := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadScheduleFile(badPath); err == nil || !strings.Contains(err.Error(), "6 step orders for 5 steps") {
		t.Errorf("mismatched orders: got %v", err)
	}
}

// The joint search starts with exactly the grid-only search and only adds candidates, so on the check batch,
// which selects among them, its result is at most the grid-only result.
func TestOrderSearchIsNeverWorseThanTheGridOnlySearch(t *testing.T) {
	g, _ := RandomMixture(3, 8, 3)
	grid := searchFixture(t, 120)
	grid.Solver = UniPC{Order: 3}
	grid.Check = g.Noise(newRand(12), grid.Process, grid.Process.TMax(), 32)
	joint := grid
	joint.SearchOrders = true
	a, err := grid.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := joint.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("grid only: fit %.4g check %.4g; with orders %v: fit %.4g check %.4g", a.Loss, a.CheckLoss, b.Orders, b.Loss, b.CheckLoss)
	if !(b.CheckLoss <= a.CheckLoss) {
		t.Errorf("check loss with orders %v above the grid-only search's %v", b.CheckLoss, a.CheckLoss)
	}
}
