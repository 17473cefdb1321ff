package geotdm_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/geometry/geotdm"
)

// Score "generated" trajectories that are real ones with their frames shuffled in time: their marginal
// distribution is exactly right, but the classification score tells them apart and the prediction score
// shows that they teach a forecaster nothing.
func ExampleClassificationScore() {
	s := geometry.Shape{Frames: 8, Nodes: 3, Dim: 3}
	rng := rand.New(rand.NewPCG(1, 2))
	lines := func(n int) geotdm.Trajectories { // nodes moving at constant velocity
		t := geotdm.Trajectories{Shape: s}
		for i := 0; i < n; i++ {
			x := make([]float64, s.Frames*s.Nodes*3)
			for j := 0; j < s.Nodes*3; j++ {
				x0, v := rng.NormFloat64(), 0.2*rng.NormFloat64()
				for f := 0; f < s.Frames; f++ {
					x[f*s.Nodes*3+j] = x0 + float64(f)*v
				}
			}
			t.X = append(t.X, x)
		}
		return t
	}
	real, fake := lines(300), lines(300)
	for _, x := range fake.X { // shuffle the frames
		p := rng.Perm(s.Frames)
		y := append([]float64(nil), x...)
		for f, g := range p {
			copy(x[f*s.Nodes*3:(f+1)*s.Nodes*3], y[g*s.Nodes*3:(g+1)*s.Nodes*3])
		}
	}
	o := geotdm.ScoreOptions{Seed: 1, Epochs: 30, Batch: 64}
	c, err := geotdm.ClassificationScore(real, fake, o)
	if err != nil {
		panic(err)
	}
	fmt.Println("told apart:", c.Accuracy > 0.9)
	fromFake, err := geotdm.PredictionScore(fake, real, 4, o)
	if err != nil {
		panic(err)
	}
	fromReal, err := geotdm.PredictionScore(lines(300), real, 4, o)
	if err != nil {
		panic(err)
	}
	fmt.Println("a forecaster trained on the shuffled frames is worse:", fromFake > 10*fromReal)
	// Output:
	// told apart: true
	// a forecaster trained on the shuffled frames is worse: true
}
