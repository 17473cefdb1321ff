// Package assign solves the linear assignment problem: given an n x n cost matrix C, the permutation
// sigma minimising sum_i C[i, sigma(i)].
//
// Minimize is the shortest-augmenting-path method of Jonker & Volgenant (1987) in the form without
// their initialisation heuristics (as in Crouse 2016, "On implementing 2D rectangular assignment
// algorithms", the algorithm behind SciPy's linear_sum_assignment): rows are added one at a time, each by
// a Dijkstra search over reduced costs C[i, j] - u[i] - v[j] >= 0 that augments along the cheapest
// alternating path and updates the dual potentials u, v. Every augmentation is O(n^2), the whole O(n^3),
// exact up to floating-point rounding of the potentials.
//
// Ties are broken deterministically: the search settles, among columns of equal reduced distance, the one
// with the lowest index, so the result depends only on the cost values (a constant matrix gives the
// identity).
package assign

import (
	"fmt"
	"math"
)

// MaxCost bounds the costs' magnitude: the potentials sum up to n costs, which must stay finite.
const MaxCost = 1e250

// Minimize returns, for each row i of the rows x cols cost matrix (row-major), the column assigned to it
// in an assignment of minimal total cost. Only square problems are solved: a rectangular one (some rows or
// columns left unassigned) is refused, as are empty ones and non-finite or out-of-range costs.
func Minimize(rows, cols int, cost []float64) ([]int, error) {
	switch {
	case rows != cols:
		return nil, fmt.Errorf("assign: %d x %d cost matrix: only square problems are solved", rows, cols)
	case rows < 1:
		return nil, fmt.Errorf("assign: empty cost matrix (%d x %d)", rows, cols)
	case len(cost) != rows*cols:
		return nil, fmt.Errorf("assign: %d costs for a %d x %d matrix", len(cost), rows, cols)
	}
	for k, c := range cost {
		if math.IsNaN(c) || math.Abs(c) > MaxCost {
			return nil, fmt.Errorf("assign: cost[%d, %d] = %v, want finite with magnitude at most %g", k/cols, k%cols, c, MaxCost)
		}
	}
	n := rows
	// 1-based columns; column 0 is the virtual start of each search. match[j] is the row (1-based) holding
	// column j, 0 for none; prev[j] is the column before j on the search's shortest path.
	u := make([]float64, n+1)
	v := make([]float64, n+1)
	match := make([]int, n+1)
	prev := make([]int, n+1)
	dist := make([]float64, n+1)
	done := make([]bool, n+1)
	for i := 1; i <= n; i++ {
		match[0] = i
		j0 := 0
		for j := range dist {
			dist[j], done[j] = math.Inf(1), false
		}
		for {
			done[j0] = true
			i0 := match[j0]
			row := cost[(i0-1)*n : i0*n]
			delta, j1 := math.Inf(1), 0
			for j := 1; j <= n; j++ {
				if done[j] {
					continue
				}
				if r := row[j-1] - u[i0] - v[j]; r < dist[j] {
					dist[j], prev[j] = r, j0
				}
				if dist[j] < delta { // strict: the lowest index wins a tie
					delta, j1 = dist[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if done[j] {
					u[match[j]] += delta
					v[j] -= delta
				} else {
					dist[j] -= delta
				}
			}
			j0 = j1
			if match[j0] == 0 {
				break
			}
		}
		for j0 != 0 { // augment: shift the matching back along the path
			j1 := prev[j0]
			match[j0] = match[j1]
			j0 = j1
		}
	}
	out := make([]int, n)
	for j := 1; j <= n; j++ {
		out[match[j]-1] = j - 1
	}
	return out, nil
}

// Total is the cost of assignment a (row i takes column a[i]) on the n x n matrix cost, summed in row order.
func Total(n int, cost []float64, a []int) float64 {
	s := 0.0
	for i, j := range a {
		s += cost[i*n+j]
	}
	return s
}
