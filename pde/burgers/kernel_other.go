//go:build !amd64 || purego

package burgers

// kernel names the batch kernel; without assembly there is only the Go loop.
var kernel = "go"

// kernelsAvailable lists the kernels this build runs.
func kernelsAvailable() []string { return []string{"go"} }

// batchKernel names the kernel stepBatch runs.
func batchKernel() string { return kernel }

// stepBatch advances every lane of a batch one Euler step (see stepGo); without assembly it is stepGo.
func stepBatch(u, v, dtf []float64, m, stride int, a, b, bound float64, check bool) bool {
	return stepGo(u, v, dtf, m, stride, a, b, bound, check)
}
