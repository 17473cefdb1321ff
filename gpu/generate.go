package gpu

//go:generate bash kernels/build.sh
