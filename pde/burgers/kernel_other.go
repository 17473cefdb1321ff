//go:build !amd64 || purego

package burgers

// kernelsAvailable lists the kernels this build runs.
func kernelsAvailable() []string { return []string{"go"} }

// batchKernel names the kernel the batch solver runs on a grid of m points.
func batchKernel(m int) string { return "go" }

// stepRow is stepRowGo: this build has no assembly.
func (s stencil) stepRow(v, u, f []float64, dt float64) { s.stepRowGo(v, u, f, dt) }

// stepAdjointRow is stepAdjointRowGo: this build has no assembly.
func stepAdjointRow(out, lam, u, acc []float64, al2, be float64) {
	stepAdjointRowGo(out, lam, u, acc, al2, be)
}

// stepBatch advances every lane of a batch one Euler step (see stepGo); without assembly it is stepGo.
func stepBatch(_ string, u, v, dtf []float64, m, stride int, st stencil, bound float64, check bool) bool {
	return stepGo(u, v, dtf, m, stride, st, bound, check)
}

// stepTwoBatch would take two steps at once; the Go loop has no fused form.
func stepTwoBatch(_ string, u, v, dtf []float64, m, stride int, st stencil, bound float64, check bool) (bad, ok bool) {
	return false, false
}
