//go:build !amd64

package gemm

func bestKernel() *microKernel { return nil }
func kernels() []*microKernel  { return nil }
