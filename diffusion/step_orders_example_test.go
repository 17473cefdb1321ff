package diffusion_test

import (
	"fmt"

	"github.com/trajdiff/trajdiff/diffusion"
)

// UniPC-3 with an explicit order per step: StepOrderRange gives the default sequence and the highest order
// each step can take; a sequence within it compiles to an ordinary plan, one outside it is refused.
func ExampleUniPC_stepOrders() {
	p := diffusion.NewEDM()
	times, _ := diffusion.Karras{Rho: 7}.Times(p, 6)
	def, most, _ := diffusion.UniPC{Order: 3}.StepOrderRange(p, times)
	fmt.Println("default", diffusion.FormatStepOrders(def), "highest", diffusion.FormatStepOrders(most))
	plan, err := diffusion.UniPC{Order: 3, Orders: []int{1, 1, 3, 3, 2, 1}}.Plan(p, times)
	fmt.Println(plan.NFE, "evaluations", err)
	_, err = diffusion.UniPC{Order: 3, Orders: []int{1, 2, 3, 3, 3, 2}}.Plan(p, times)
	fmt.Println(err != nil)
	// Output:
	// default 1,2,3,3,2,1 highest 1,2,3,3,3,1
	// 6 evaluations <nil>
	// true
}
