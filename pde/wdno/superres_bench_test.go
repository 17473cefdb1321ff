package wdno

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkSuperLayoutEncode is the training source's work per example at the reduced configuration's
// finest level (41 x 60 from 21 x 30).
func BenchmarkSuperLayoutEncode(b *testing.B) {
	l, err := NewSuperLayout(LayoutConfig{Frames: 41, Cells: 60})
	if err != nil {
		b.Fatal(err)
	}
	u, f := randomFieldsOf(rand.New(rand.NewPCG(1, 1)), l.Config())
	x := make([]float64, l.Dim())
	b.ResetTimer()
	for range b.N {
		cu, cf, err := l.Coarsen(u, f)
		if err != nil {
			b.Fatal(err)
		}
		if err := l.Encode(u, f, cu, cf, x); err != nil {
			b.Fatal(err)
		}
	}
}
