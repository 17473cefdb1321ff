package burgers

// interpolate carries coarse values c_1..c_N (stored at c[0..N-1]) to the fine points x_i = i/(M+1),
// i = 1..M, by linear interpolation between coarse points, using lo and hi as the values at x = 0 and
// x = 1. Fine point i = r j + m lies m/r of the way from coarse point j to j+1.
func interpolate(fine, c []float64, r int, lo, hi float64) {
	n := len(c)
	at := func(j int) float64 {
		switch {
		case j == 0:
			return lo
		case j == n+1:
			return hi
		}
		return c[j-1]
	}
	for i := 1; i <= len(fine); i++ {
		j, m := i/r, i%r
		if m == 0 {
			fine[i-1] = at(j)
			continue
		}
		a, b := at(j), at(j+1)
		fine[i-1] = a + float64(m)/float64(r)*(b-a)
	}
}

// inject copies the fine values at the coarse points (fine point r j) into c.
func inject(c, fine []float64, r int) {
	for j := range c {
		c[j] = fine[r*(j+1)-1]
	}
}
