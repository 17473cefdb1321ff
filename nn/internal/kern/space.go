package kern

// SpaceGeom is a channels-last image batch [B, H, W, C] (H and W even) under the 2x2 resamplings of the
// 2-D U-Net: space-to-depth to [B, H/2, W/2, 4C] and nearest-neighbour upsampling to [B, 2H, 2W, C].
type SpaceGeom struct{ B, H, W, C int }

// SpaceToDepth moves each 2x2 block of x [B, H, W, C] into the channels of y [B, H/2, W/2, 4C], channel
// c 4 + 2 p + q holding x[2i + p, 2j + q, c]: einops' 'b c (h p1) (w p2) -> b (c p1 p2) h w' (PixelUnshuffle)
// on channels-last data. With inverse set it writes x from y instead (depth-to-space), which is also the
// gradient, the map being a permutation.
func SpaceToDepth[T Float](y, x []T, g SpaceGeom, inverse bool) {
	h2, w2, C := g.H/2, g.W/2, g.C
	parallel(g.B*h2, w2*4*C, func(lo, hi int) {
		for bi := lo; bi < hi; bi++ {
			b, i := bi/h2, bi%h2
			for j := 0; j < w2; j++ {
				yr := y[(bi*w2+j)*4*C : (bi*w2+j+1)*4*C]
				for p := 0; p < 2; p++ {
					for q := 0; q < 2; q++ {
						xo := ((b*g.H+2*i+p)*g.W + 2*j + q) * C
						xr, k := x[xo:xo+C], 2*p+q
						if inverse {
							for c := range xr {
								xr[c] = yr[4*c+k]
							}
						} else {
							for c, v := range xr {
								yr[4*c+k] = v
							}
						}
					}
				}
			}
		}
	})
}

// UpsampleFwd writes y [B, 2H, 2W, C] with y[2i + p, 2j + q] = x[i, j] for x [B, H, W, C] (PyTorch's
// nn.Upsample(scale_factor=2, mode='nearest')).
func UpsampleFwd[T Float](y, x []T, g SpaceGeom) {
	C, W2 := g.C, 2*g.W
	parallel(g.B*g.H, 4*g.W*C, func(lo, hi int) {
		for bi := lo; bi < hi; bi++ {
			top := y[2*bi*W2*C : (2*bi+1)*W2*C]
			for j := 0; j < g.W; j++ {
				xr := x[(bi*g.W+j)*C : (bi*g.W+j+1)*C]
				copy(top[2*j*C:], xr)
				copy(top[(2*j+1)*C:], xr)
			}
			copy(y[(2*bi+1)*W2*C:(2*bi+2)*W2*C], top) // the second row of each pair repeats the first
		}
	})
}

// UpsampleBwd writes dx [B, H, W, C] as the sum of dy [B, 2H, 2W, C] over each 2x2 block.
func UpsampleBwd[T Float](dx, dy []T, g SpaceGeom) {
	C, W2 := g.C, 2*g.W
	parallel(g.B*g.H, 4*g.W*C, func(lo, hi int) {
		for bi := lo; bi < hi; bi++ {
			top, bot := dy[2*bi*W2*C:(2*bi+1)*W2*C], dy[(2*bi+1)*W2*C:(2*bi+2)*W2*C]
			for j := 0; j < g.W; j++ {
				d := dx[(bi*g.W+j)*C : (bi*g.W+j+1)*C]
				a, b := 2*j*C, (2*j+1)*C
				for c := range d {
					d[c] = top[a+c] + top[b+c] + bot[a+c] + bot[b+c]
				}
			}
		}
	})
}

// Upsample1dFwd writes y [B, 2L, C] with y[2i] = y[2i + 1] = x[i] for x [B, L, C] (PyTorch's
// nn.Upsample(scale_factor=2, mode='nearest') on a sequence).
func Upsample1dFwd[T Float](y, x []T, b, l, c int) {
	parallel(b*l, 2*c, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xr := x[i*c : (i+1)*c]
			copy(y[2*i*c:], xr)
			copy(y[(2*i+1)*c:], xr)
		}
	})
}

// Upsample1dBwd writes dx [B, L, C] as the sum of each pair of rows of dy [B, 2L, C].
func Upsample1dBwd[T Float](dx, dy []T, b, l, c int) {
	parallel(b*l, 2*c, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d, e, o := dx[i*c:(i+1)*c], dy[2*i*c:(2*i+1)*c], dy[(2*i+1)*c:(2*i+2)*c]
			for j := range d {
				d[j] = e[j] + o[j]
			}
		}
	})
}
