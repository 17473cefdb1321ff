package npy_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/datasets/npy"
)

// Arrays go to and come back from a NumPy .npz archive (what np.load reads and np.savez writes); every
// array keeps its shape and dtype.
func ExampleWriteNPZ() {
	dir, err := os.MkdirTemp("", "npy-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "episode.npz")
	err = npy.WriteNPZ(path, map[string]*npy.Array{
		"observations": npy.Float64Array([]int{2, 3}, []float64{0, 0.5, 1, 1.5, 2, 2.5}),
		"steps":        npy.Int64Array([]int{2}, []int64{0, 1}),
	})
	if err != nil {
		log.Fatal(err)
	}
	arrays, err := npy.ReadNPZ(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range npy.Keys(arrays) {
		a := arrays[k]
		v, err := a.Float64s()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(k, a.Descr, a.Shape, v)
	}
	// Output:
	// observations <f8 [2 3] [0 0.5 1 1.5 2 2.5]
	// steps <i8 [2] [0 1]
}
