//go:build amd64 && !purego

package burgers

import "golang.org/x/sys/cpu"

// Batch step kernels of kernel_amd64.s: rows 1..m of v from rows 0..m+1 of u, stride lanes per row
// (stride a multiple of 8 for the AVX-512 kernel, of 4 for the AVX2 one), dtf holding rows 1..m. Each
// lane runs Solver.interval's expression with packed VMULPD/VSUBPD/VADDPD in the scalar order (no FMA),
// which round every lane exactly as the scalar MULSD/SUBSD/ADDSD do, so the results are bit-identical.
// With check they report whether some |v| is beyond bound or NaN.
//
//go:noescape
func stepAVX2(u, v, dtf *float64, m, stride int, a, b, bound float64, check bool) bool

//go:noescape
func stepAVX512(u, v, dtf *float64, m, stride int, a, b, bound float64, check bool) bool

// kernel selects the batch kernel: "avx512", "avx2" or "go" (tests switch it).
var kernel = func() string {
	switch {
	case cpu.X86.HasAVX512F:
		return "avx512"
	case cpu.X86.HasAVX2:
		return "avx2"
	}
	return "go"
}()

// kernelsAvailable lists the kernels this CPU runs.
func kernelsAvailable() []string {
	k := []string{"go"}
	if cpu.X86.HasAVX2 {
		k = append(k, "avx2")
	}
	if cpu.X86.HasAVX512F {
		k = append(k, "avx512")
	}
	return k
}

// batchKernel names the kernel stepBatch runs.
func batchKernel() string { return kernel }

// stepBatch advances every lane of a batch one Euler step (see stepGo).
func stepBatch(u, v, dtf []float64, m, stride int, a, b, bound float64, check bool) bool {
	if len(u) < (m+2)*stride || len(v) < (m+2)*stride || len(dtf) < m*stride || stride%lanePad != 0 || m < 1 {
		panic("burgers: batch buffers do not match the grid")
	}
	switch kernel {
	case "avx512":
		return stepAVX512(&u[0], &v[0], &dtf[0], m, stride, a, b, bound, check)
	case "avx2":
		return stepAVX2(&u[0], &v[0], &dtf[0], m, stride, a, b, bound, check)
	}
	return stepGo(u, v, dtf, m, stride, a, b, bound, check)
}
