package fromnn

import (
	"fmt"
	"testing"

	"github.com/trajdiff/trajdiff/nn"
)

// benchForwardCPU times nn's float32 CPU predictor on net, the reference of benchForwardGPU: one forward
// pass per iteration at each batch size, reported as unit (examples) per second.
func benchForwardCPU(b *testing.B, net nn.Net, batches []int, unit string) {
	pred := nn.NewPredictor(net)
	for _, n := range batches {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			x := randomInput(2, n*net.Dim())
			dst := make([]float64, len(x))
			if err := pred.Predict(dst, x, 0.5); err != nil { // builds the graph for this batch
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := pred.Predict(dst, x, 0.5); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), unit+"/s")
		})
	}
}
