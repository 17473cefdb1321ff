//go:build !amd64 || purego

package cns

// kernelsAvailable lists the kernels this build runs: none but the scalar solver.
func kernelsAvailable() []string { return []string{"go"} }

// batchKernel names the kernel set the batch solver runs.
func batchKernel() string { return "go" }

// kernelSet has no SIMD kernels in this build: a BatchSolver runs its trajectories on the scalar Solver.
func kernelSet(string) (*kernels, int) { return nil, 0 }
