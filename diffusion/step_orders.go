package diffusion

import (
	"fmt"
	"strconv"
	"strings"
)

// StepOrderSolver is a multistep solver family that can take an explicit order per step, as the solver
// schedules of S^3 and USF (Liu et al. 2023, "Unified Sampling Framework for Solver Searching of Diffusion
// Probabilistic Models") choose them: step i of an order-p multistep method may use any order 1..k_i, where
// k_i counts the model outputs already in its history (at most p). The order sequence is part of the plan
// only: it compiles to an ordinary Plan, so every executor runs it.
//
// DPMSolverPP (without momentum) and UniPC implement it; with Orders nil they use their default sequence
// (full order as soon as the history allows; UniPC lowers the last steps), and an explicit sequence equal
// to it compiles to the same plan, op for op and bit for bit.
type StepOrderSolver interface {
	Solver
	// StepOrderRange returns, for the grid times on p, the order each step takes by default and the
	// highest order it can take.
	StepOrderRange(p Process, times []float64) (def, most []int, err error)
	// WithStepOrders returns the solver with an explicit order per step (nil restores the default).
	WithStepOrders(orders []int) StepOrderSolver
	// StepOrders returns the explicit sequence (nil for the default).
	StepOrders() []int
}

// historyOrders returns, for each step of a multistep method of order p on the grid cs, the number of
// outputs in its history when step i is taken: the new output plus the earlier ones not evaluated at zero
// signal (which the solvers drop, see history.dropZeroSignal), at most p. With dropNew, an output at zero
// signal is dropped before the step too (UniPC drops it right after evaluating it).
func historyOrders(cs []Coefficients, p int, dropNew bool) []int {
	out := make([]int, len(cs)-1)
	kept := 0
	for i := range out {
		n := kept + 1
		if dropNew && zeroSignal(cs[i]) {
			n = kept
		}
		out[i] = max(1, min(p, n))
		if !zeroSignal(cs[i]) {
			kept++
		}
	}
	return out
}

// StepOrderRange implements StepOrderSolver: DPM-Solver++ uses the full available order, and the final
// step to sigma = 0 is first order (its higher-order terms have no finite limit).
func (s DPMSolverPP) StepOrderRange(p Process, times []float64) (def, most []int, err error) {
	if s.Order < 1 || s.Order > 3 {
		return nil, nil, fmt.Errorf("diffusion: DPM-Solver++ order must be 1, 2 or 3, got %d", s.Order)
	}
	if s.Beta > 0 && s.Beta < 1 {
		return nil, nil, fmt.Errorf("diffusion: heavy-ball DPM-Solver++ takes no explicit step orders")
	}
	cs, err := grid(p, times)
	if err != nil {
		return nil, nil, err
	}
	most = historyOrders(cs, s.Order, false)
	for i := range most {
		if cs[i+1].T == 0 {
			most[i] = 1
		}
	}
	return append([]int(nil), most...), most, nil
}

// WithStepOrders implements StepOrderSolver.
func (s DPMSolverPP) WithStepOrders(orders []int) StepOrderSolver {
	s.Orders = append([]int(nil), orders...) // nil stays nil: the default orders
	return s
}

// StepOrders implements StepOrderSolver.
func (s DPMSolverPP) StepOrders() []int { return s.Orders }

// StepOrderRange implements StepOrderSolver: UniPC's predictor can use the full available order; by default
// it lowers the order of the last steps to the steps left (diffusers' lower_order_final). Steps from zero
// signal and the final step to sigma = 0 are first order.
func (s UniPC) StepOrderRange(p Process, times []float64) (def, most []int, err error) {
	if s.Order < 1 || s.Order > 3 {
		return nil, nil, fmt.Errorf("diffusion: UniPC order must be 1, 2 or 3, got %d", s.Order)
	}
	cs, err := grid(p, times)
	if err != nil {
		return nil, nil, err
	}
	most = historyOrders(cs, s.Order, true)
	def = make([]int, len(most))
	steps := len(most)
	for i := range most {
		if cs[i+1].T == 0 || zeroSignal(cs[i]) {
			most[i] = 1
		}
		def[i] = min(most[i], steps-i)
	}
	return def, most, nil
}

// WithStepOrders implements StepOrderSolver.
func (s UniPC) WithStepOrders(orders []int) StepOrderSolver {
	s.Orders = append([]int(nil), orders...) // nil stays nil: the default orders
	return s
}

// StepOrders implements StepOrderSolver.
func (s UniPC) StepOrders() []int { return s.Orders }

// checkStepOrders validates an explicit order sequence for s on the grid: one order per step, each between
// 1 and the highest the step can take.
func checkStepOrders(s StepOrderSolver, p Process, times []float64, orders []int) error {
	_, most, err := s.StepOrderRange(p, times)
	if err != nil {
		return err
	}
	if len(orders) != len(most) {
		return fmt.Errorf("diffusion: %s: %d step orders for a grid of %d steps", s.Name(), len(orders), len(most))
	}
	for i, k := range orders {
		if k < 1 || k > most[i] {
			why := "the outputs evaluated so far, at most the solver's order"
			if times[i+1] == 0 && k > 1 {
				why = "the final step to t = 0 is first order"
			}
			return fmt.Errorf("diffusion: %s: step %d (t = %v -> %v) has order %d, want 1..%d (%s)",
				s.Name(), i, times[i], times[i+1], k, most[i], why)
		}
	}
	return nil
}

// FormatStepOrders writes an order sequence as "1,2,3,3,1".
func FormatStepOrders(orders []int) string {
	s := make([]string, len(orders))
	for i, k := range orders {
		s[i] = strconv.Itoa(k)
	}
	return strings.Join(s, ",")
}

// ParseStepOrders reads a sequence written by FormatStepOrders.
func ParseStepOrders(text string) ([]int, error) {
	parts := strings.Split(text, ",")
	out := make([]int, len(parts))
	for i, f := range parts {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 {
			return nil, fmt.Errorf("diffusion: step orders %q: entry %d is %q, want a positive integer", text, i+1, f)
		}
		out[i] = k
	}
	return out, nil
}
