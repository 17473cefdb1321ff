package smoke

// kernel names the implementation of the pressure solve's inner loops: the scalar Go loops of
// poisson.go, or the AVX2 / AVX-512 kernels of kernel_amd64.s (amd64 without the purego tag), which
// are bit-identical to them (see scripts/pde/gen_smoke_asm.py). A level runs its vector kernels when
// its rows are at least one register long (mgLevel.vector): the uniform update on whole rows, then the
// general cells (patch.go); the CG updates and the transfers leave the cells past the last whole
// register to the scalar loops.
type kernel uint8

const (
	kernelGo kernel = iota
	kernelAVX2
	kernelAVX512
)

func (k kernel) String() string {
	switch k {
	case kernelAVX2:
		return "avx2"
	case kernelAVX512:
		return "avx512"
	}
	return "go"
}

// width is the number of cells a kernel handles per register (0 for the scalar loops).
func (k kernel) width() int {
	switch k {
	case kernelAVX2:
		return 4
	case kernelAVX512:
		return 8
	}
	return 0
}
