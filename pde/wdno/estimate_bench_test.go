package wdno

import (
	"math"
	"testing"
)

// reducedEstimation returns the reduced Burgers layout (41 x 60 fields, WDNO's wavelet images) and 6
// sensors at every frame.
func reducedEstimation(b *testing.B) (Layout, Sensors) {
	l, err := NewLayout(LayoutConfig{Space: SpaceWavelet, Frames: 41, Cells: 60})
	if err != nil {
		b.Fatal(err)
	}
	cells, _ := EvenSensors(60, 6)
	return l, Sensors{Cells: cells, Noise: 0.05}
}

// BenchmarkSensorOperator is one H x and one H^T y on a reduced WDNO image: RED-Diff's data-fit gradient
// per problem and step.
func BenchmarkSensorOperator(b *testing.B) {
	l, s := reducedEstimation(b)
	H, err := NewSensorOperator(l, s)
	if err != nil {
		b.Fatal(err)
	}
	x, y, hx := make([]float64, H.InDim()), make([]float64, H.OutDim()), make([]float64, H.OutDim())
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	for b.Loop() {
		if err := H.Apply(hx, x); err != nil {
			b.Fatal(err)
		}
		copy(y, hx)
		if err := H.Adjoint(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSensorClamp is the clamping method's decode-replace-encode of one reduced image per solver step.
func BenchmarkSensorClamp(b *testing.B) {
	l, s := reducedEstimation(b)
	idx, _, err := s.resolve(l.Config())
	if err != nil {
		b.Fatal(err)
	}
	c := &sensorClamp{layout: l, known: l.Known(Estimate), idx: idx, y: make([]float64, len(idx))}
	x := make([]float64, l.Dim())
	for i := range x {
		x[i] = math.Cos(float64(i))
	}
	for b.Loop() {
		if err := c.Condition(x, 0.5, 0.7, 0.7); err != nil {
			b.Fatal(err)
		}
	}
}
