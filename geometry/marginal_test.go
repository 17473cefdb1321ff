package geometry

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMarginalScoreOfTheRealSetIsNearZero: the real set scored against itself differs only where a value
// sits exactly on a bin edge (the real histogram counts it, the strict centre rule does not).
func TestMarginalScoreOfTheRealSetIsNearZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := Shape{Frames: 4, Nodes: 3, Dim: 3}
	x := make([]float64, 200*s.size())
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	got, err := MarginalScore(s, x, x, 50)
	if err != nil {
		t.Fatal(err)
	}
	// At most the minimum and maximum of each axis are lost: 2 values of density 1/(n delta) each in 50 bins.
	if got > 0.01 {
		t.Fatalf("score of the real set against itself = %v", got)
	}
}

// TestMarginalScoreOfDisjointSetsIsTheMeanDensity: a generated set entirely outside the real range has
// zero density everywhere, so the score is the real density's mean over bins, n/(bins n delta) =
// 1/(hi - lo).
func TestMarginalScoreOfDisjointSetsIsTheMeanDensity(t *testing.T) {
	s := Shape{Frames: 1, Nodes: 1, Dim: 1}
	var real, fake []float64
	for i := 0; i <= 1000; i++ {
		real = append(real, float64(i)/1000*4) // uniform on [0, 4]
		fake = append(fake, 10+float64(i))
	}
	got, err := MarginalScore(s, real, fake, 50)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-0.25) > 1e-12 {
		t.Fatalf("score %v, want 1/(4 - 0) = 0.25", got)
	}
}

func TestMarginalScoreRejectsBadSets(t *testing.T) {
	s := Shape{Frames: 2, Nodes: 2, Dim: 3}
	ok := make([]float64, s.size())
	for i := range ok {
		ok[i] = float64(i)
	}
	if _, err := MarginalScore(s, ok, ok[:5], 50); err == nil {
		t.Error("a fake set of 5 values was accepted")
	}
	bad := append([]float64(nil), ok...)
	bad[3] = math.NaN()
	if _, err := MarginalScore(s, ok, bad, 50); err == nil {
		t.Error("a NaN was accepted")
	}
}
