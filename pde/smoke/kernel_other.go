//go:build !amd64 || purego

package smoke

// kernelsAvailable lists the kernels this build runs.
func kernelsAvailable() []kernel { return []kernel{kernelGo} }

// bestKernel is the kernel the pressure solver runs.
func bestKernel() kernel { return kernelGo }

// Without assembly no cell is handled by a vector kernel: each function reports that it handled
// nothing and the scalar loops of poisson.go do all the work.

func sweepVec(_ kernel, _ bool, _, _, _, _, _, _, _, _ []float64, x0, _ int) int { return x0 }

func applyVec(_ kernel, _ bool, _, _, _, _, _, _, _, _ []float64, x0, _ int) int { return x0 }

func cgUpdateVec(_ kernel, _, _, _, _ []float64, _ float64) (int, float64) { return 0, 0 }

func cgDirectionVec(_ kernel, _, _ []float64, _ float64) int { return 0 }
