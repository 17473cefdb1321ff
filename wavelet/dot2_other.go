//go:build !amd64 || purego

package wavelet

func dot2Asm[T Float](base []T, offs []int, a, d taps[T], outA, outD []T, acc bool) bool {
	return false
}
