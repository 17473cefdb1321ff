package diffusion

import "context"

// searchStepOrders is coordinate descent over the step orders of a StepOrderSolver on a fixed grid: sweep the
// steps in order, at each trying every order 1..most[i] other than the current one with the others fixed, and
// keep a change as soon as it lowers the loss; repeat the sweep while it changed something, at most three
// times. The orders are a small discrete space (at most 3^steps sequences) in which neighbouring steps
// interact only through the history they share, so a few sweeps settle; each costs sum(most[i] - 1) loss
// evaluations. loss is the calibration loss of an order sequence on the grid; best is the current
// sequence's. It returns whether any order changed (the caller keeps the best sequence through loss's side
// effects). Deterministic: no randomness, steps and orders visited in increasing order.
func searchStepOrders(ctx context.Context, times []float64, orders, most []int, best float64, stop func() bool,
	loss func([]int) (float64, error)) (bool, error) {
	cur := append([]int(nil), orders...)
	changed := false
	for sweep := 0; sweep < 3; sweep++ {
		improved := false
		for i := range cur {
			for k := 1; k <= most[i]; k++ {
				if k == cur[i] {
					continue
				}
				if err := ctx.Err(); err != nil {
					return changed, err
				}
				if stop() {
					return changed, nil
				}
				try := append([]int(nil), cur...)
				try[i] = k
				l, err := loss(try)
				if err != nil {
					return changed, err
				}
				if l < best {
					cur, best, improved, changed = try, l, true, true
				}
			}
		}
		if !improved {
			break
		}
	}
	return changed, nil
}
