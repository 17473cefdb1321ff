package assign

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// bruteForce is the minimal total over all n! permutations (Heap's algorithm).
func bruteForce(n int, cost []float64) float64 {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	best := Total(n, cost, p)
	c := make([]int, n)
	for i := 0; i < n; {
		if c[i] < i {
			if i%2 == 0 {
				p[0], p[i] = p[i], p[0]
			} else {
				p[c[i]], p[i] = p[i], p[c[i]]
			}
			best = math.Min(best, Total(n, cost, p))
			c[i]++
			i = 0
		} else {
			c[i] = 0
			i++
		}
	}
	return best
}

func isPermutation(a []int) bool {
	s := slices.Clone(a)
	slices.Sort(s)
	for i, v := range s {
		if v != i {
			return false
		}
	}
	return true
}

// Minimize reaches the brute-force optimum on random matrices of every size up to 8: continuous costs of
// mixed sign and scale, and small integers (many ties, and exact sums, so the optimum must match exactly).
func TestMinimizeMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 8; n++ {
		cases := 300
		if n == 8 {
			cases = 40 // 8! permutations each
		}
		for c := 0; c < cases; c++ {
			cost := make([]float64, n*n)
			integer := c%2 == 1
			scale := math.Pow(10, float64(rng.IntN(7)-3))
			for k := range cost {
				if integer {
					cost[k] = float64(rng.IntN(4))
				} else {
					cost[k] = scale * rng.NormFloat64()
				}
			}
			a, err := Minimize(n, n, cost)
			if err != nil {
				t.Fatal(err)
			}
			if !isPermutation(a) {
				t.Fatalf("n %d: %v is not a permutation", n, a)
			}
			got, want := Total(n, cost, a), bruteForce(n, cost)
			tol := 0.0
			if !integer {
				tol = 1e-12 * scale * float64(n)
			}
			if math.Abs(got-want) > tol {
				t.Fatalf("n %d case %d (integer %v): total %v, brute force %v", n, c, integer, got, want)
			}
		}
	}
}

// The squared-distance costs of immiscible diffusion: the optimum of ||x_i - e_j||^2 over Gaussian points.
func TestMinimizeOnSquaredDistances(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, d = 7, 5
	for c := 0; c < 100; c++ {
		x, e := make([]float64, n*d), make([]float64, n*d)
		for k := range x {
			x[k], e[k] = 0.3*rng.NormFloat64()+1, rng.NormFloat64()
		}
		cost := make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				for k := 0; k < d; k++ {
					r := x[i*d+k] - e[j*d+k]
					cost[i*n+j] += r * r
				}
			}
		}
		a, err := Minimize(n, n, cost)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := Total(n, cost, a), bruteForce(n, cost); math.Abs(got-want) > 1e-12*want {
			t.Fatalf("case %d: total %v, brute force %v", c, got, want)
		}
	}
}

// Ties go to the lowest column: a constant matrix gives the identity, and so does any matrix whose
// rows are all equal; the same input always gives the same output.
func TestMinimizeBreaksTiesByLowestIndex(t *testing.T) {
	for _, n := range []int{1, 2, 5, 16} {
		cost := make([]float64, n*n)
		for k := range cost {
			cost[k] = 2.5
		}
		a, _ := Minimize(n, n, cost)
		for i, j := range a {
			if i != j {
				t.Fatalf("n %d constant matrix: %v, want the identity", n, a)
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	cost := make([]float64, 64*64)
	for k := range cost {
		cost[k] = float64(rng.IntN(3))
	}
	a, _ := Minimize(64, 64, cost)
	b, _ := Minimize(64, 64, slices.Clone(cost))
	if !slices.Equal(a, b) {
		t.Fatal("same costs, different assignments")
	}
}

func TestMinimizeOfOneIsZero(t *testing.T) {
	a, err := Minimize(1, 1, []float64{-3})
	if err != nil || !slices.Equal(a, []int{0}) {
		t.Fatalf("got %v, %v; want [0]", a, err)
	}
}

func TestMinimizeRefusesBadInput(t *testing.T) {
	for _, c := range []struct {
		rows, cols int
		cost       []float64
		want       string
	}{
		{2, 3, make([]float64, 6), "square"},
		{3, 2, make([]float64, 6), "square"},
		{0, 0, nil, "empty"},
		{2, 2, make([]float64, 3), "3 costs"},
		{2, 2, []float64{0, math.NaN(), 0, 0}, "cost[0, 1]"},
		{2, 2, []float64{0, 0, math.Inf(-1), 0}, "cost[1, 0]"},
		{1, 1, []float64{1e300}, "magnitude"},
	} {
		_, err := Minimize(c.rows, c.cols, c.cost)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d x %d %v: error %v, want one mentioning %q", c.rows, c.cols, c.cost, err, c.want)
		}
	}
}
