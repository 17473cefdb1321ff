package shard_test

import (
	"fmt"

	"github.com/trajdiff/trajdiff/internal/shard"
)

// Split 10 trajectories over the 3 tasks of a job array.
func ExampleRange() {
	i, n, _ := shard.Parse("1/3")
	lo, hi, _ := shard.Range(10, i, n)
	fmt.Println(lo, hi)
	// Output: 3 6
}
