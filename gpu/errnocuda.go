package gpu

import "errors"

// ErrNoCUDA is returned by Open (and everything that opens a device) in a build without the `cuda` (or
// `trajdiff_cuda`) tag. It is declared in every build so that callers can test for it (errors.Is) and fall
// back to the CPU whichever way they were built; a build with GPU support never returns it.
var ErrNoCUDA = errors.New("gpu: trajdiff was built without CUDA support; rebuild with -tags cuda, or -tags trajdiff_cuda for a program that also imports trajdiff/nn such as cmd/trajdiff (needs cuda.h and libcuda, see gpu/doc.go)")
