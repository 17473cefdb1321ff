package diffusion_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/diffusion"
)

// A schedule search for DPM-Solver++(2M) at 5 evaluations on an exact mixture denoiser: the searched grid's
// pathwise error against the reference ODE is below the best built-in schedule's.
func ExampleScheduleSearch() {
	g, _ := diffusion.RandomMixture(3, 8, 3)
	p := diffusion.NewEDM()
	s := diffusion.ScheduleSearch{Process: p, Denoiser: g.Denoiser(p), Solver: diffusion.DPMSolverPP{Order: 2}, NFE: 5,
		Noise: g.Noise(rand.New(rand.NewPCG(1, 2)), p, p.TMax(), 32), MaxEvals: 200, Seed: 1}
	r, err := s.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d steps, %d NFE, from %s; at least 1.3x better: %v\n", r.Steps, r.NFE, r.Start, r.Loss*1.3 < r.StartLoss)
	// Output: 5 steps, 5 NFE, from karras; at least 1.3x better: true
}
