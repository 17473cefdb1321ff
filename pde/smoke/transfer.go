package smoke

// restrict sets c.b, the next coarser level's right-hand side, to the residual b - A x of l (in l.res
// after apply) summed over 2 x 2 blocks. The vector kernel takes a prefix of each coarse row and forms
// the same sums in the same order.
func (l *mgLevel) restrict(c *mgLevel) {
	fs, cs := l.s, c.s
	for Y := 1; Y <= c.n; Y++ {
		f0 := (2*Y-1)*fs + 1
		m := restrictVec(l.k, c.b[Y*cs+1:Y*cs+1+c.n], l.b[f0:f0+2*c.n], l.res[f0:f0+2*c.n],
			l.b[f0+fs:f0+fs+2*c.n], l.res[f0+fs:f0+fs+2*c.n])
		for X := m + 1; X <= c.n; X++ {
			f := (2*Y-1)*fs + 2*X - 1
			c.b[Y*cs+X] = (l.b[f] - l.res[f]) + (l.b[f+1] - l.res[f+1]) + (l.b[f+fs] - l.res[f+fs]) + (l.b[f+fs+1] - l.res[f+fs+1])
		}
	}
}

// prolong adds the coarse correction c.x to l.x, piecewise constant on the active cells (act is 1
// there, 0 elsewhere, so that inactive cells keep x = 0; act v is exact, so an FMA would round the
// same).
func (l *mgLevel) prolong(c *mgLevel) {
	fs, cs := l.s, c.s
	for Y := 1; Y <= c.n; Y++ {
		cx := c.x[Y*cs+1 : Y*cs+1+c.n]
		f0 := (2*Y-1)*fs + 1
		x0, x1 := l.x[f0:f0+2*c.n], l.x[f0+fs:f0+fs+2*c.n]
		a0, a1 := l.act[f0:f0+2*c.n], l.act[f0+fs:f0+fs+2*c.n]
		x0, x1, a0, a1 = x0[:2*len(cx)], x1[:2*len(cx)], a0[:2*len(cx)], a1[:2*len(cx)]
		for X := prolongVec(l.k, cx, x0, a0, x1, a1); X < len(cx); X++ {
			v := cx[X]
			x0[2*X] += a0[2*X] * v
			x0[2*X+1] += a0[2*X+1] * v
			x1[2*X] += a1[2*X] * v
			x1[2*X+1] += a1[2*X+1] * v
		}
	}
}
