package safetensors_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/trajdiff/trajdiff/nn/safetensors"
)

// A checkpoint's tensors in the safetensors format (the file PyTorch's safetensors.torch.load_file reads):
// encoded with metadata, decoded, and looked up by name.
func ExampleEncode() {
	var buf bytes.Buffer
	err := safetensors.Encode(&buf, []safetensors.Tensor{
		safetensors.F32("layer.weight", []int{2, 2}, []float32{1, 2, 3, 4}),
		safetensors.F64("layer.bias", []int{2}, []float64{0.5, -0.5}),
	}, map[string]string{"step": "100"})
	if err != nil {
		log.Fatal(err)
	}
	tensors, meta, err := safetensors.Decode(buf.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	byName := safetensors.Map(tensors)
	w, err := byName["layer.weight"].Float32s()
	if err != nil {
		log.Fatal(err)
	}
	b, err := byName["layer.bias"].Float64s()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(tensors), "tensors, step", meta["step"])
	fmt.Println(byName["layer.weight"].DType, byName["layer.weight"].Shape, w)
	fmt.Println(byName["layer.bias"].DType, byName["layer.bias"].Shape, b)
	// Output:
	// 2 tensors, step 100
	// F32 [2 2] [1 2 3 4]
	// F64 [2] [0.5 -0.5]
}
