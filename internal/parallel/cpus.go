package parallel

import (
	"fmt"
	"strconv"
)

// SlurmCPUsPerTask is the variable in which Slurm passes a task's --cpus-per-task. Without cgroups or
// affinity (task/none) the task still sees every core of the node, so "all cores" must be read from it.
const SlurmCPUsPerTask = "SLURM_CPUS_PER_TASK"

// CPUs decides how many cores "all cores" (workers < 1 here, the libraries' GOMAXPROCS defaults, the
// CLI's --workers default) means for a process that sees cores of them: min(cores, SLURM_CPUS_PER_TASK)
// when that variable is set to a positive integer and GOMAXPROCS is not set (an explicit GOMAXPROCS is the
// user's choice and wins), else cores. getenv reads the environment (os.Getenv; a fake in tests). A set
// but invalid SLURM_CPUS_PER_TASK is an error, with n = cores.
//
// The CLI applies it once at start with runtime.GOMAXPROCS(n), so every runtime.GOMAXPROCS(0) default
// in the module (this package's Ordered, pde, rl, diffusion, wavelet, the GEMM kernels) follows it.
func CPUs(cores int, getenv func(string) string) (n int, err error) {
	v := getenv(SlurmCPUsPerTask)
	if v == "" || getenv("GOMAXPROCS") != "" {
		return cores, nil
	}
	c, err := strconv.Atoi(v)
	if err != nil {
		return cores, fmt.Errorf("%s=%q: %w", SlurmCPUsPerTask, v, err)
	}
	if c < 1 {
		return cores, fmt.Errorf("%s=%d: want a positive count", SlurmCPUsPerTask, c)
	}
	return max(1, min(cores, c)), nil
}
