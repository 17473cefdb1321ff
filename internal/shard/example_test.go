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

// Task 5 of `sbatch --array=4-7` is shard 1 of 4; os.Getenv takes the map's place in a program.
func ExampleResolve() {
	env := map[string]string{"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_MAX": "7"}
	i, n, source, _ := shard.Resolve("auto", func(name string) string { return env[name] })
	fmt.Println(i, n, source)
	// Output: 1 4 Slurm job array (SLURM_ARRAY_TASK_ID=5, SLURM_ARRAY_TASK_MIN=4, SLURM_ARRAY_TASK_MAX=7)
}
