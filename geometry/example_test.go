package geometry_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/geometry"
)

// Simulate one trajectory of GeoTDM's charged-particle data and score a constant-position forecast.
func Example() {
	sys := geometry.NewCharged(5)
	tr, err := geometry.SimulateIndex(sys, 43, "train", 0, geometry.DefaultRun())
	if err != nil {
		panic(err)
	}
	fmt.Println(tr.Frames, tr.Nodes, tr.Step[0], tr.Step[tr.Frames-1])

	// Condition on frames 0..9, predict 10..29 by repeating frame 9.
	size := tr.Nodes * geometry.Dim
	truth := tr.X[10*size:]
	pred := make([]float64, 0, len(truth))
	for f := 10; f < 30; f++ {
		pred = append(pred, tr.Frame(9)...)
	}
	ade, _ := geometry.ADE(geometry.Shape{Frames: 20, Nodes: 5, Dim: 3}, pred, truth)
	fmt.Println(ade > 0)
	// Output:
	// 30 5 100 3000
	// true
}

// Check that a function of coordinates is E(3) equivariant: here the centroid of a point cloud.
func ExampleCheckEquivariance() {
	centroid := func(in [][]float64) ([][]float64, error) {
		x := in[0]
		c := make([]float64, 3)
		for i := range x {
			c[i%3] += x[i] / float64(len(x)/3)
		}
		return [][]float64{c}, nil
	}
	x := []float64{0, 0, 0, 1, 0, 0, 0, 2, 0}
	worst, err := geometry.CheckEquivariance(centroid, [][]float64{x}, []geometry.Covariance{geometry.Points},
		[]geometry.Covariance{geometry.Points}, geometry.EquivarianceOptions{Reflections: true, TranslationScale: 1})
	fmt.Println(err == nil, worst < 1e-12)
	// Output: true true
}

// Write shard 1 of 2 of a 4-trajectory springs split as a geometric dataset, as one task of a job array
// would, and read it back.
func ExampleWriteSplit() {
	dir, err := os.MkdirTemp("", "geometry-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, geometry.SplitFile("train", 1, 2, ".arrow"))
	cfg := geometry.WriteConfig{Seed: 43, Split: geometry.Split{Name: "train", Count: 4}, Shard: 1, Shards: 2,
		Run: geometry.Run{Steps: 1000, SampleFreq: 100, MaxFrames: 5}}
	lo, hi, err := geometry.WriteSplit(context.Background(), path, geometry.NewSprings(5), cfg, datasets.WriteOptions{})
	if err != nil {
		panic(err)
	}
	d, err := datasets.Open(path)
	if err != nil {
		panic(err)
	}
	defer d.Close()
	spec := d.Metadata().Geometric
	fmt.Println(filepath.Base(path), lo, hi, d.Len(), spec.Frames, spec.Nodes, spec.Edges)
	// Output: train-00001-of-00002.arrow 2 4 2 5 5 true
}
