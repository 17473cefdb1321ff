package mazeplot_test

import (
	"bytes"
	"fmt"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/mazeplot"
	"gonum.org/v1/plot/vg"
)

// Draw one expert episode of the U-maze.
func ExampleMaze() {
	m, _ := rl.NewMaze(rl.MazeConfig{Layout: "umaze"})
	policy := rl.NewControllerPolicy(m, rl.StreamRNG(0, "example", 0))
	obs, act := make([]float64, 4), make([]float64, 2)
	if err := m.Reset(3, obs); err != nil {
		panic(err)
	}
	path := []float64{obs[0], obs[1]}
	for s := 0; s < 100; s++ {
		policy.Act(obs, act)
		if _, err := m.Step(act, obs); err != nil {
			panic(err)
		}
		path = append(path, obs[0], obs[1])
	}
	p, err := mazeplot.Maze(m.Layout(), [][]float64{path}, mazeplot.Options{Title: "maze2d-umaze"})
	if err != nil {
		panic(err)
	}
	w, h := mazeplot.Size(m.Layout(), 4*vg.Inch)
	var png bytes.Buffer
	if err := mazeplot.WritePNG(&png, p, w, h); err != nil {
		panic(err)
	}
	fmt.Println(bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")))
	// Output: true
}
