//go:build !amd64

package kern

const simd = false

func mishAVX2(y, x *float32, n int)                          { panic("kern: no SIMD") }
func mishGradAVX2(dx, x, dy *float32, n int)                 { panic("kern: no SIMD") }
func siluAVX2(y, x *float32, n int)                          { panic("kern: no SIMD") }
func siluGradAVX2(dx, x, dy *float32, n int)                 { panic("kern: no SIMD") }
func expAVX2(y, x *float32, n int)                           { panic("kern: no SIMD") }
func adamAVX2(w, gr, m, v *float32, n int, c *[9]float32)    { panic("kern: no SIMD") }
func axpbRowsAVX2(y, x, a, b *float32, rows, cols int)       { panic("kern: no SIMD") }
func fma3RowsAVX2(y, u, v, a, b, d *float32, rows, cols int) { panic("kern: no SIMD") }
func sumRowsAVX2(s, x *float32, rows, cols int)              { panic("kern: no SIMD") }
func dotRowsAVX2(s, x, w *float32, rows, cols int)           { panic("kern: no SIMD") }
func sqdevRowsAVX2(s, x, m *float32, rows, cols int)         { panic("kern: no SIMD") }
func addRowsAVX2(y, b *float32, rows, cols int)              { panic("kern: no SIMD") }
func geluAVX2(y, x *float32, n int)                          { panic("kern: no SIMD") }
func geluGradAVX2(dx, x, dy *float32, n int)                 { panic("kern: no SIMD") }
