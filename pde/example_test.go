package pde_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/burgers"
)

// Generate trajectories 3..7 of seed 42 on four workers; they arrive in index order and each depends
// only on (seed, index), so any number of workers or shards gives the same data.
func ExampleRunOrdered() {
	lo, hi, _ := pde.Shard(10, 1, 2) // shard 1 of 2 of a 10-trajectory dataset: [5, 10)
	fmt.Println("shard 1/2:", lo, hi)
	err := pde.RunOrdered(context.Background(), 3, 8, 4,
		func(_ context.Context, i int) (float64, error) {
			r := pde.TrajectoryRNG(42, i)
			return r.Float64(), nil // a real generator would draw parameters and run a solver
		},
		func(i int, v float64) error {
			fmt.Printf("trajectory %d: first draw %.4f\n", i, v)
			return nil
		})
	if err != nil {
		panic(err)
	}
	// Output:
	// shard 1/2: 5 10
	// trajectory 3: first draw 0.0927
	// trajectory 4: first draw 0.7045
	// trajectory 5: first draw 0.6497
	// trajectory 6: first draw 0.1797
	// trajectory 7: first draw 0.5631
}

// Write shard 0 of 2 of a 4-trajectory controlled-Burgers dataset on two workers, reporting progress,
// and read its metadata back.
func ExampleWriteFields() {
	dir, err := os.MkdirTemp("", "pde-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	p := burgers.DefaultParams()
	p.Cells, p.Refine, p.Frames, p.DiffusionNumber = 32, 2, 4, 0.05 // a stable explicit step for these draws
	path := filepath.Join(dir, "burgers-0.arrow")
	cfg := pde.WriteConfig{Total: 4, Seed: 1, Shard: 0, Shards: 2, Workers: 2,
		Progress: func(done, total int) { fmt.Printf("written %d/%d\n", done, total) }}
	lo, hi, err := pde.WriteFields(context.Background(), path, burgers.Generator{Params: p}, cfg, datasets.WriteOptions{})
	if err != nil {
		panic(err)
	}
	d, err := datasets.Open(path)
	if err != nil {
		panic(err)
	}
	defer d.Close()
	md := d.Metadata()
	fmt.Println("trajectories", lo, hi, "frames", md.Fields.Frames, "grid", md.Fields.Grid, md.Generator.Params["shard"])
	// Output:
	// written 1/2
	// written 2/2
	// trajectories 0 2 frames 5 grid [32] 0/2
}
