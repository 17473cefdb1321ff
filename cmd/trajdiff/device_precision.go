package main

import (
	"flag"

	"github.com/trajdiff/trajdiff/gpu"
)

// registerPrecision adds --precision to a command that samples networks with --device.
func registerPrecision(fs *flag.FlagSet) *string {
	return fs.String("precision", "fp32", "with --device gpu: fp32 (the CPU's float32 results to rounding), tf32 "+
		"(tensor cores for the mlp's and U-Nets' Linear layers and convolutions, about 1e-3 relative error per layer) "+
		"or bf16 (the same with bfloat16 inputs, about 8 times tf32's error; gpu/doc.go)")
}

// parsePrecision is --precision for --device (ordinal < 0: the CPU, which has float32 only).
func parsePrecision(s string, ordinal int) (gpu.Precision, error) {
	switch s {
	case "fp32":
		return gpu.FP32, nil
	case "tf32":
		if ordinal < 0 {
			return 0, usagef("--precision tf32 runs on the tensor cores: it needs --device gpu")
		}
		return gpu.TF32, nil
	case "bf16":
		if ordinal < 0 {
			return 0, usagef("--precision bf16 runs on the tensor cores: it needs --device gpu")
		}
		return gpu.BFloat16, nil
	}
	return 0, usagef("--precision %q: want fp32, tf32 or bf16", s)
}
