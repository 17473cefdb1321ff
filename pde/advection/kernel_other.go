//go:build !amd64 || purego

package advection

// kernelsAvailable lists the kernels this build runs.
func kernelsAvailable() []string { return []string{"go"} }

// batchKernel names the kernel the batch solver runs.
func batchKernel() string { return "go" }

// stageBatch runs one stage for every lane of a batch; without assembly it is stageGo.
func stageBatch(_ string, v, src, dst, w []float64, n, stride int, beta, ab, c float64) {
	stageGo(v, src, dst, n, stride, beta, ab, c)
}
