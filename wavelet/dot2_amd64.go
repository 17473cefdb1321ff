//go:build amd64 && !purego

package wavelet

//go:noescape
func dot2F64(base *float64, offs *int, nk int, fa2, fd2 *float64, outA, outD *float64, n int, acc bool)

// dot2Asm runs the SSE2 kernel for float64 data; other element types use the Go kernel. The caller has
// checked every operand range.
func dot2Asm[T Float](base []T, offs []int, a, d taps[T], outA, outD []T, acc bool) bool {
	b, ok := any(base).([]float64)
	if !ok || len(offs) == 0 {
		return false
	}
	fa2, fd2 := any(a.f2).([]float64), any(d.f2).([]float64)
	oa, od := any(outA).([]float64), any(outD).([]float64)
	dot2F64(&b[0], &offs[0], len(offs), &fa2[0], &fd2[0], &oa[0], &od[0], len(oa), acc)
	return true
}
