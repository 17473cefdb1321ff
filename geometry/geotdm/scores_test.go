package geotdm

import (
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/internal/stream"
)

var scoreShape = geometry.Shape{Frames: 10, Nodes: 4, Dim: 3}

// randomWalks draws n trajectories whose nodes start N(0, I) and take N(0, step^2 I) steps, with one
// node feature of +-1.
func randomWalks(seed uint64, n int, step float64) Trajectories {
	s := scoreShape
	t := Trajectories{Shape: s}
	nd := s.Nodes * s.Dim
	for i := 0; i < n; i++ {
		rng := stream.RNG(seed, "test/walks", uint64(i), "")
		x := make([]float64, s.Frames*nd)
		for j := 0; j < nd; j++ {
			x[j] = rng.NormFloat64()
		}
		for f := 1; f < s.Frames; f++ {
			for j := 0; j < nd; j++ {
				x[f*nd+j] = x[(f-1)*nd+j] + step*rng.NormFloat64()
			}
		}
		q := make([]float64, s.Nodes)
		for k := range q {
			q[k] = float64(2*rng.IntN(2) - 1)
		}
		t.X, t.NodeFeatures = append(t.X, x), append(t.NodeFeatures, q)
	}
	return t
}

// accelerated draws n trajectories whose nodes start N(0, I) with N(0, 0.1^2 I) velocities and a constant
// acceleration towards (q = 1) or away from (q = -1) the initial centroid c, q the node feature:
// x(f) = x0 + f v - 0.01 q f^2 (x0 - c). Constant velocity misses the acceleration.
func accelerated(seed uint64, n int) Trajectories {
	s := scoreShape
	t := Trajectories{Shape: s}
	nd := s.Nodes * s.Dim
	for i := 0; i < n; i++ {
		rng := stream.RNG(seed, "test/accelerated", uint64(i), "")
		x0, v := make([]float64, nd), make([]float64, nd)
		var c [3]float64
		for j := range x0 {
			x0[j], v[j] = rng.NormFloat64(), 0.1*rng.NormFloat64()
			c[j%3] += x0[j] / float64(s.Nodes)
		}
		q := make([]float64, s.Nodes)
		for k := range q {
			q[k] = float64(2*rng.IntN(2) - 1)
		}
		x := make([]float64, s.Frames*nd)
		for f := 0; f < s.Frames; f++ {
			ff := float64(f)
			for j := 0; j < nd; j++ {
				x[f*nd+j] = x0[j] + ff*v[j] - 0.01*q[j/3]*ff*ff*(x0[j]-c[j%3])
			}
		}
		t.X, t.NodeFeatures = append(t.X, x), append(t.NodeFeatures, q)
	}
	return t
}

var testScoreOptions = ScoreOptions{Seed: 3, Epochs: 30, Batch: 64}

// Two independent draws of one distribution cannot be told apart: the held-out cross-entropy is about
// ln 2 and the accuracy about one half.
func TestClassificationScoreIsChanceOnIdenticalDistributions(t *testing.T) {
	c, err := ClassificationScore(randomWalks(1, 1000, 0.1), randomWalks(2, 1000, 0.1), testScoreOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("identical: BCE %.4f (ln 2 = %.4f), accuracy %.3f, epoch %d", c.BCE, math.Ln2, c.Accuracy, c.Epoch)
	if math.Abs(c.BCE-math.Ln2) > 0.05 || math.Abs(c.Accuracy-0.5) > 0.1 {
		t.Errorf("identical distributions: BCE %v, accuracy %v; want about ln 2 and 0.5", c.BCE, c.Accuracy)
	}
}

// Random walks with steps three times longer are told apart almost perfectly.
func TestClassificationScoreSeparatesDifferentDistributions(t *testing.T) {
	c, err := ClassificationScore(randomWalks(1, 500, 0.1), randomWalks(2, 500, 0.3), testScoreOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("different: BCE %.4f, accuracy %.3f, epoch %d", c.BCE, c.Accuracy, c.Epoch)
	if c.BCE > 0.1 || c.Accuracy < 0.97 {
		t.Errorf("different distributions: BCE %v, accuracy %v; want near 0 and near 1", c.BCE, c.Accuracy)
	}
}

// The classifier only sees invariants: rotating, reflecting and translating every fake trajectory
// changes no feature, so the score is the same to rounding.
func TestClassificationScoreIsInvariantUnderRigidMotions(t *testing.T) {
	real, fake := randomWalks(1, 200, 0.1), randomWalks(2, 200, 0.2)
	moved := Trajectories{Shape: fake.Shape, NodeFeatures: fake.NodeFeatures}
	for i, x := range fake.X {
		y := make([]float64, len(x))
		geometry.RandomTransform(stream.RNG(9, "test/move", uint64(i), ""), true, 5).Apply(y, x)
		moved.X = append(moved.X, y)
	}
	a, err := ClassificationScore(real, fake, testScoreOptions)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ClassificationScore(real, moved, testScoreOptions)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.BCE-b.BCE) > 1e-6 || a.Accuracy != b.Accuracy {
		t.Errorf("moved fakes: BCE %v accuracy %v, original %v %v", b.BCE, b.Accuracy, a.BCE, a.Accuracy)
	}
}

// A forecaster trained on trajectories with the real dynamics predicts real trajectories far better than
// one trained on trajectories without them (random walks), which does no better than constant velocity
// (the forecaster's zero output).
func TestPredictionScoreRewardsTheRealDynamics(t *testing.T) {
	real := accelerated(1, 400)
	o := testScoreOptions
	o.Epochs = 150
	same, err := PredictionScore(accelerated(2, 400), real, 5, o)
	if err != nil {
		t.Fatal(err)
	}
	other, err := PredictionScore(randomWalks(2, 400, 0.1), real, 5, o)
	if err != nil {
		t.Fatal(err)
	}
	cv := 0.0 // the error of constant-velocity extrapolation from frames 3 and 4
	nd := scoreShape.Nodes * scoreShape.Dim
	for _, x := range real.X {
		for f := 5; f < scoreShape.Frames; f++ {
			for j := 0; j < nd; j++ {
				d := x[f*nd+j] - (x[4*nd+j] + float64(f-4)*(x[4*nd+j]-x[3*nd+j]))
				cv += d * d / float64(len(real.X)*5*nd)
			}
		}
	}
	t.Logf("prediction MSE: trained on the same dynamics %.5f, on random walks %.5f, constant velocity %.5f", same, other, cv)
	if !(same < other/5 && same < cv/5) {
		t.Errorf("trained on the real dynamics %v, on random walks %v, constant velocity %v: want the first 5x below both", same, other, cv)
	}
}

func TestScoresRefuseBadInput(t *testing.T) {
	ok := randomWalks(1, 20, 0.1)
	nan := randomWalks(2, 20, 0.1)
	nan.X[3][7] = math.NaN()
	other := Trajectories{Shape: geometry.Shape{Frames: 10, Nodes: 5, Dim: 3}, X: [][]float64{make([]float64, 150)}}
	if _, err := ClassificationScore(ok, nan, testScoreOptions); err == nil {
		t.Error("ClassificationScore accepted a NaN coordinate")
	}
	if _, err := ClassificationScore(ok, other, testScoreOptions); err == nil {
		t.Error("ClassificationScore accepted sets of different shapes")
	}
	if _, err := PredictionScore(ok, ok, 10, testScoreOptions); err == nil {
		t.Error("PredictionScore accepted predicting from all frames")
	}
	if _, err := PredictionScore(ok, ok, 5, ScoreOptions{Epochs: -1}); err == nil {
		t.Error("PredictionScore accepted -1 epochs")
	}
}
