package gpu_test

import (
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/gpu"
)

// Compile turns a sampler plan into the kernel launches the GPU executor makes; each step becomes one CUDA
// graph when RunOptions.Graph is set.
func ExampleCompile() {
	sol, _ := diffusion.NewSolver("dpmpp-2m")
	p := diffusion.NewEDM()
	plan, _ := sol.Plan(p, []float64{80, 10, 1, 0})
	prog, _ := gpu.Compile(plan)
	kinds := map[gpu.LaunchKind]string{gpu.LaunchEval: "eval", gpu.LaunchCombine: "combine",
		gpu.LaunchNoise: "noise", gpu.LaunchCondition: "condition"}
	for _, r := range prog.Ranges {
		fmt.Printf("step %d:", r.Step)
		for _, l := range prog.Launches[r.Lo:r.Hi] {
			fmt.Printf(" %s", kinds[l.Kind])
			if l.Kind == gpu.LaunchCombine {
				fmt.Printf("(%d terms)", l.Combine.NTerms)
			}
		}
		fmt.Println()
	}
	fmt.Println("evaluations:", prog.NFE)
	// Output:
	// step 0: condition eval combine(2 terms) condition
	// step 1: eval combine(3 terms) condition
	// step 2: eval combine(1 terms) condition
	// evaluations: 3
}

// DPM-Solver-v3's steps combine with per-dimension coefficients: Compile packs the vectors (each the term's
// coefficient times its vector, and the bias) into Program.DimCoefs, which the executor uploads once; each
// launch of combine_dim_f32 names offsets into it. Here with the exact statistics of a 2-D Gaussian: each
// step computes f = ((1 - l) x)/alpha - D from the new evaluation, corrects the state with it (from step 1)
// and predicts the next one; the last step is the data step x = D.
func ExampleCompile_perDimension() {
	st := diffusion.GaussianStatistics{Mean: []float64{1, -1}, Var: []float64{0.5, 2}, Lo: -20, Hi: 20}
	p := diffusion.NewEDM()
	plan, err := diffusion.DPMSolverV3{Stats: st, Order: 2}.Plan(p, []float64{80, 10, 1, 0})
	if err != nil {
		fmt.Println(err)
		return
	}
	prog, err := gpu.Compile(plan)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range prog.Ranges {
		fmt.Printf("step %d:", r.Step)
		for _, l := range prog.Launches[r.Lo:r.Hi] {
			if l.Kind == gpu.LaunchCombineDim {
				a := l.CombineDim
				fmt.Printf(" [%d terms, bias %v]", a.NTerms, a.Bias >= 0)
			}
		}
		fmt.Println()
	}
	fmt.Printf("dimension %d, %d coefficients on the device\n", prog.Dim, len(prog.DimCoefs))
	// Output:
	// step 0: [2 terms, bias false] [2 terms, bias true]
	// step 1: [2 terms, bias false] [3 terms, bias true] [2 terms, bias true]
	// step 2: [2 terms, bias false] [3 terms, bias true] [2 terms, bias false]
	// dimension 2, 44 coefficients on the device
}

// ToBF16 prepares GemmBF16 operands on the host: 8 significant bits, rounded to nearest even.
func ExampleToBF16() {
	for _, x := range []float32{1, 1.00390625, 1.01171875, 3.14159265} {
		h := gpu.ToBF16(x)
		fmt.Printf("%v -> %#04x -> %v\n", x, h, gpu.FromBF16(h))
	}
	// Output:
	// 1 -> 0x3f80 -> 1
	// 1.0039062 -> 0x3f80 -> 1
	// 1.0117188 -> 0x3f82 -> 1.015625
	// 3.1415927 -> 0x4049 -> 3.140625
}
