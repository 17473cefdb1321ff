package smoke

// advector holds the buffers of the semi-Lagrangian density advection.
type advector struct {
	n      int
	src    []int32   // 4 source cells per target cell
	w      []float64 // their bilinear weights
	colsum []float64 // sum of the weights with which each source cell is sampled
	next   []float64
}

func newAdvector(n int) advector {
	return advector{n: n, src: make([]int32, 4*n*n), w: make([]float64, 4*n*n), colsum: make([]float64, n*n), next: make([]float64, n*n)}
}

// bilinear returns the four cells around the point (px, py) (in cell units, centres at i + 1/2) and
// their weights, with the point clamped to the cell centres (phiflow's clamped boundary).
func bilinear(n int, px, py float64) (i0, j0 int, fx, fy float64) {
	return bilinearClamped(n, clamp(px-0.5, float64(n-1)), clamp(py-0.5, float64(n-1)))
}

// clamp limits v to [0, hi] (explicit comparisons: the builtin min and max also order NaN and signed
// zeros, which costs more).
func clamp(v, hi float64) float64 {
	if v < 0 {
		return 0
	}
	if v > hi {
		return hi
	}
	return v
}

func bilinearClamped(n int, u, v float64) (i0, j0 int, fx, fy float64) {
	i0 = min(int(u), n-2)
	j0 = min(int(v), n-2)
	return i0, j0, u - float64(i0), v - float64(j0)
}

// weights fills src, w and colsum for the face velocities vx, vy: each fluid cell traces its centre
// back along the cell-centred velocity, x - u(x), and samples the four cells around it bilinearly.
func (a *advector) weights(vx, vy []float64, solid []bool) {
	n := a.n
	clear(a.colsum)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			c := y*n + x
			k := 4 * c
			if solid[c] {
				a.w[k], a.w[k+1], a.w[k+2], a.w[k+3] = 0, 0, 0, 0
				continue
			}
			ux, uy := cellVelocity(n, vx, vy, y, x)
			i0, j0, fx, fy := bilinear(n, float64(x)+0.5-ux, float64(y)+0.5-uy)
			b := int32(j0*n + i0)
			a.src[k], a.src[k+1], a.src[k+2], a.src[k+3] = b, b+1, b+int32(n), b+int32(n)+1
			a.w[k], a.w[k+1] = (1-fx)*(1-fy), fx*(1-fy)
			a.w[k+2], a.w[k+3] = (1-fx)*fy, fx*fy
			for q := 0; q < 4; q++ {
				a.colsum[a.src[k+q]] += a.w[k+q]
			}
		}
	}
}

// cellVelocity is the velocity at the centre of cell (y, x): the mean of its two faces per component.
func cellVelocity(n int, vx, vy []float64, y, x int) (ux, uy float64) {
	return 0.5 * (vx[y*(n+1)+x] + vx[y*(n+1)+x+1]), 0.5 * (vy[y*n+x] + vy[(y+1)*n+x])
}

// advect moves the density by one step (dt = 1) along the cell-centred velocity. Each fluid cell
// traces its centre back, x - u(x), and takes the bilinear interpolant of the density there (Stam
// 1999). With conservative set, each source cell's density is divided by the total weight with which
// it was sampled and cells sampled by no one push their density forward to x + u(x), so the total is
// exactly conserved (Lentine, Aanjaneya & Fedkiw 2011); solid cells never receive density.
func (a *advector) advect(s *Simulator, conservative bool) {
	rho := s.rho
	a.weights(s.vx, s.vy, s.l.Solid)
	next := a.next
	for c := range next {
		k := 4 * c
		v := 0.0
		for q := 0; q < 4; q++ {
			if w := a.w[k+q]; w != 0 {
				sc := a.src[k+q]
				if conservative {
					v += w * rho[sc] / a.colsum[sc]
				} else {
					v += w * rho[sc]
				}
			}
		}
		next[c] = v
	}
	if conservative {
		for c, m := range rho {
			if m == 0 || a.colsum[c] > 0 {
				continue
			}
			a.forward(s, next, c, m)
		}
	}
	copy(rho, next)
}

// forward distributes mass m of cell c, which no backward trace sampled, bilinearly around
// x + u(x) among the fluid cells there (or leaves it in place if they are all solid).
func (a *advector) forward(s *Simulator, next []float64, c int, m float64) {
	n := a.n
	cells, ws, tot := pushWeights(n, s.vx, s.vy, s.l.Solid, c)
	if tot == 0 {
		next[c] += m
		return
	}
	for q, t := range cells {
		next[t] += m * ws[q] / tot
	}
}

// pushWeights returns the cells around x + u(x) of cell c, their bilinear weights with solid cells
// given weight 0, and the sum of the weights.
func pushWeights(n int, vx, vy []float64, solid []bool, c int) (cells [4]int, ws [4]float64, tot float64) {
	y, x := c/n, c%n
	ux, uy := cellVelocity(n, vx, vy, y, x)
	i0, j0, fx, fy := bilinear(n, float64(x)+0.5+ux, float64(y)+0.5+uy)
	cells = [4]int{j0*n + i0, j0*n + i0 + 1, (j0+1)*n + i0, (j0+1)*n + i0 + 1}
	ws = [4]float64{(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy}
	for q, t := range cells {
		if solid[t] {
			ws[q] = 0
		}
		tot += ws[q]
	}
	return cells, ws, tot
}

// advectVelocity moves the face velocities by themselves (semi-Lagrangian on the MAC grid): each face
// traces its position back with the velocity interpolated there and takes the bilinear interpolant of
// its own component, then closed faces are reset to 0.
func (s *Simulator) advectVelocity() {
	n := s.n
	// vx lives at (i, y + 1/2), i = 0..n, y = 0..n-1; vy at (x + 1/2, j).
	sampleX := func(px, py float64) float64 {
		u := min(max(px, 0), float64(n))
		v := min(max(py-0.5, 0), float64(n-1))
		i0, j0 := min(int(u), n-1), min(int(v), n-2)
		fx, fy := u-float64(i0), v-float64(j0)
		at := func(j, i int) float64 { return s.vx[j*(n+1)+i] }
		return (1-fy)*((1-fx)*at(j0, i0)+fx*at(j0, i0+1)) + fy*((1-fx)*at(j0+1, i0)+fx*at(j0+1, i0+1))
	}
	sampleY := func(px, py float64) float64 {
		u := min(max(px-0.5, 0), float64(n-1))
		v := min(max(py, 0), float64(n))
		i0, j0 := min(int(u), n-2), min(int(v), n-1)
		fx, fy := u-float64(i0), v-float64(j0)
		at := func(j, i int) float64 { return s.vy[j*n+i] }
		return (1-fy)*((1-fx)*at(j0, i0)+fx*at(j0, i0+1)) + fy*((1-fx)*at(j0+1, i0)+fx*at(j0+1, i0+1))
	}
	for y := 0; y < n; y++ {
		for i := 0; i <= n; i++ {
			px, py := float64(i), float64(y)+0.5
			s.tx[y*(n+1)+i] = sampleX(px-s.vx[y*(n+1)+i], py-sampleY(px, py))
		}
	}
	for j := 0; j <= n; j++ {
		for x := 0; x < n; x++ {
			px, py := float64(x)+0.5, float64(j)
			s.ty[j*n+x] = sampleY(px-sampleX(px, py), py-s.vy[j*n+x])
		}
	}
	for f := range s.vx {
		s.vx[f] = s.tx[f] * s.ox[f]
	}
	for f := range s.vy {
		s.vy[f] = s.ty[f] * s.oy[f]
	}
}
