package assign_test

import (
	"fmt"

	"github.com/trajdiff/trajdiff/internal/assign"
)

func ExampleMinimize() {
	// Three workers (rows), three jobs (columns).
	cost := []float64{
		4, 1, 3,
		2, 0, 5,
		3, 2, 2,
	}
	a, err := assign.Minimize(3, 3, cost)
	if err != nil {
		panic(err)
	}
	fmt.Println(a, assign.Total(3, cost, a))
	// Output: [1 0 2] 5
}
