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
