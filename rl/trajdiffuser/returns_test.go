package trajdiffuser

import (
	"math"
	"testing"
)

// The return-to-go never exceeds the episode's target: without rewards it stays at the target for a whole
// Large episode (where the uncapped recursion reaches 45 / 0.99^800, about 1.4e5), with a reward at every
// step it falls by the reward and rises by 1/discount as Decision Transformer's bookkeeping does, and it
// is floored at 0.
func TestReturnToGoNeverExceedsTheTarget(t *testing.T) {
	const target, discount = 45.0, 0.99
	R, uncapped := target, target
	for step := 0; step < 800; step++ {
		R, uncapped = nextReturn(R, 0, discount, target), uncapped/discount
		if R != target {
			t.Fatalf("step %d without reward: R = %v, want the target %v", step, R, target)
		}
	}
	if uncapped < 1e5 {
		t.Errorf("the uncapped return after 800 steps is %v; the doc's claim of about 1.4e5 is wrong", uncapped)
	}
	if got, want := nextReturn(target, 1, discount, target), (target-1)/discount; math.Abs(got-want) > 1e-12 {
		t.Errorf("after a reward: %v, want (45 - 1) / 0.99 = %v", got, want)
	}
	R = target
	for step := 0; step < 300; step++ {
		next := nextReturn(R, 1, discount, target)
		if next > R || next < 0 {
			t.Fatalf("step %d with reward: %v -> %v, want a non-increasing return >= 0", step, R, next)
		}
		R = next
	}
	if R != 0 {
		t.Errorf("after 300 rewarded steps R = %v, want 0 (floored)", R)
	}
}

// At the goal, where every step earns 1, Decision Transformer's bookkeeping empties a target of 20 within
// about 20 steps (the agent is then asked for a return of 0 where the data's agents stayed and earned
// about 40), while FixedReturn asks for the target at every decision.
func TestBookkeepingEmptiesTheReturnAtTheGoalAndFixedReturnDoesNot(t *testing.T) {
	const target, discount = 20.0, 0.99
	dt := &Planner{discount: discount, opt: Options{Return: target}}
	fixed := &Planner{discount: discount, opt: Options{Return: target, FixedReturn: true}}
	Rdt, Rfixed, empty := target, target, -1
	for step := 0; step < 100; step++ {
		Rdt, Rfixed = dt.conditionAfter(Rdt, 1), fixed.conditionAfter(Rfixed, 1)
		if Rfixed != target {
			t.Fatalf("step %d at the goal: the fixed return is %v, want %v", step, Rfixed, target)
		}
		if Rdt == 0 && empty < 0 {
			empty = step + 1
		}
	}
	if empty < 15 || empty > 25 {
		t.Errorf("the bookkept return reached 0 after %d rewarded steps, want about 20", empty)
	}
	if got := fixed.conditionAfter(target, 0); got != target {
		t.Errorf("without reward the fixed return is %v, want %v", got, target)
	}
}
