package main

import (
	"fmt"
	"runtime"

	"github.com/trajdiff/trajdiff/internal/parallel"
	"github.com/trajdiff/trajdiff/internal/shard"
)

// shardFlagHelp completes every --shard flag's help text.
const shardFlagHelp = "; i/n (0 <= i < n), or auto: the task of a Slurm job array or Kubernetes Indexed Job " +
	"(SLURM_ARRAY_TASK_*, or JOB_COMPLETION_INDEX with TRAJDIFF_SHARDS); absent: auto when those variables are set, else 0/1"

// resolveShard turns a --shard value into (i, n) with shard.Resolve and the command's environment, and
// says on stderr which shard was taken from the environment. Errors are usage errors.
func resolveShard(env *cliEnv, flagValue string) (i, n int, err error) {
	i, n, source, err := shard.Resolve(flagValue, env.lookupEnv)
	if err != nil {
		return 0, 1, usagef("--shard: %v", err)
	}
	if source != "" {
		fmt.Fprintf(env.stderr, "trajdiff: shard %d/%d from the %s\n", i, n, source)
	}
	return i, n, nil
}

// limitCPUs sizes the runtime (and so every "all cores" default) to SLURM_CPUS_PER_TASK when the process
// runs in a Slurm task with --cpus-per-task and GOMAXPROCS is not set (parallel.CPUs).
func limitCPUs(env *cliEnv) {
	cores := runtime.GOMAXPROCS(0)
	n, err := parallel.CPUs(cores, env.lookupEnv)
	if err != nil {
		fmt.Fprintf(env.stderr, "trajdiff: ignoring %v; using %d cores\n", err, cores)
		return
	}
	if n != cores {
		runtime.GOMAXPROCS(n)
	}
}
