//go:build !amd64 || purego

package smoke

// kernelsAvailable lists the kernels this build runs.
func kernelsAvailable() []kernel { return []kernel{kernelGo} }

// bestKernel is the kernel the pressure solver runs.
func bestKernel() kernel { return kernelGo }

// Without assembly only the scalar kernel exists (kernelGo has width 0, so mgLevel never calls the row
// kernels) and the CG functions report that they handled nothing.

func sweepRowUniform(_ kernel, _ *mgLevel, _, _ int) { panic("smoke: no vector kernels in this build") }

func sweepRunGeneral(_ kernel, _ *mgLevel, _, _, _ int) bool { return false }

func applyRowUniform(_ kernel, _ *mgLevel, _, _ []float64, _ int) {
	panic("smoke: no vector kernels in this build")
}

func cgUpdateVec(_ kernel, _, _, _, _ []float64, _ float64) (int, float64) { return 0, 0 }

func cgDirectionVec(_ kernel, _, _ []float64, _ float64) int { return 0 }

func restrictVec(_ kernel, _, _, _, _, _ []float64) int { return 0 }

func prolongVec(_ kernel, _, _, _, _, _ []float64) int { return 0 }
