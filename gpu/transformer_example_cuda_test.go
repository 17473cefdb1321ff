//go:build cuda || trajdiff_cuda

package gpu_test

import (
	"fmt"
	"log"

	"github.com/trajdiff/trajdiff/gpu"
)

// Causal self-attention on the device: with zero queries every score is equal, so query i averages the
// values of keys 0..i. qkv packs each position's query, key and value (one head of width 2).
func ExampleStream_Attention() {
	dev, err := gpu.Open(0)
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	s, err := dev.NewStream()
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	qkv := []float32{
		0, 0, 1, 1, 0, 0, // position 0: q, k, v = (0, 0)
		0, 0, 1, 1, 1, 10, // position 1: v = (1, 10)
		0, 0, 1, 1, 2, 20, // position 2: v = (2, 20)
	}
	in, _ := dev.Alloc(len(qkv))
	out, _ := dev.Alloc(3 * 2)
	defer dev.Free(in)
	defer dev.Free(out)
	if err := dev.Upload(in, qkv); err != nil {
		log.Fatal(err)
	}
	if err := s.Attention(out, in, gpu.AttentionShape{Batch: 1, Length: 3, Heads: 1, HeadDim: 2, Causal: true}); err != nil {
		log.Fatal(err)
	}
	o := make([]float32, 6)
	if err := dev.Download(o, out); err != nil {
		log.Fatal(err)
	}
	fmt.Println(o)
	// Output: [0 0 0.5 5 1 10]
}
