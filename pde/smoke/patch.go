package smoke

// genCell is a cell of a general run with its face weights and diagonal packed together, so that the
// loops that overwrite the vector kernels' uniform values there stream one array.
type genCell struct {
	c              int     // padded index
	ae, aw, an, as float64 // ax[c], ax[c-1], ay[c], ay[c-s]
	diag, inv      float64
}

// patchLists is what the vector path runs after the uniform kernels, for the level's kernel.
type patchLists struct {
	// sweep[c] holds the cells of colour c in general runs too short for the general kernel (fewer
	// cells of the colour's span than a register), row by row: row y's are sweep[c][sweepRow[c][y-1]:
	// sweepRow[c][y]]; long[c][y-1] the longer runs of row y, with x0 moved to the first cell of c.
	sweep    [2][]genCell
	sweepRow [2][]int
	long     [2][][]run
	apply    []genCell // every cell of a general run
}

// setKernel makes the level run kernel k and builds its patch lists (finish calls it with bestKernel;
// tests force the others).
func (l *mgLevel) setKernel(k kernel) {
	l.k = k
	s, w := l.s, k.width()
	p := patchLists{sweepRow: [2][]int{make([]int, l.n+1), make([]int, l.n+1)},
		long: [2][][]run{make([][]run, l.n), make([][]run, l.n)}}
	cell := func(c int) genCell {
		return genCell{c: c, ae: l.ax[c], aw: l.ax[c-1], an: l.ay[c], as: l.ay[c-s], diag: l.diag[c], inv: l.inv[c]}
	}
	for y := 1; y <= l.n; y++ {
		for _, r := range l.genRuns[y-1] {
			for x := r.x0; x < r.x1; x++ {
				p.apply = append(p.apply, cell(y*s+x))
			}
			for colour := range 2 {
				x0 := r.x0
				if (y+x0)%2 != colour {
					x0++
				}
				if x0 >= r.x1 {
					continue
				}
				if xl := r.x1 - 1 - (r.x1-1-x0)%2; w > 0 && xl-x0+2 >= w { // sweepRunGeneral's span
					p.long[colour][y-1] = append(p.long[colour][y-1], run{x0: x0, x1: r.x1})
					continue
				}
				for x := x0; x < r.x1; x += 2 {
					p.sweep[colour] = append(p.sweep[colour], cell(y*s+x))
				}
			}
		}
		p.sweepRow[0][y], p.sweepRow[1][y] = len(p.sweep[0]), len(p.sweep[1])
	}
	l.patch = p
}

// patchSweep sets the cells of colour c in the general runs of row y to the general Gauss-Seidel
// update (the scalar sweepRow's expression, products kept from FMA fusion), long runs with the
// general kernel.
func (l *mgLevel) patchSweep(y, c int) {
	for _, r := range l.patch.long[c][y-1] {
		sweepRunGeneral(l.k, l, y, r.x0, r.x1)
	}
	s, v, b := l.s, l.x, l.b
	for _, g := range l.patch.sweep[c][l.patch.sweepRow[c][y-1]:l.patch.sweepRow[c][y]] {
		i := g.c
		v[i] = (b[i] + float64(g.ae*v[i+1]) + float64(g.aw*v[i-1]) + float64(g.an*v[i+s]) + float64(g.as*v[i-s])) * g.inv
	}
}

// patchApply sets out = A v on every cell of a general run (the scalar applyRow's expression).
func (l *mgLevel) patchApply(v, out []float64) {
	s := l.s
	for _, g := range l.patch.apply {
		i := g.c
		out[i] = float64(g.diag*v[i]) - float64(g.ae*v[i+1]) - float64(g.aw*v[i-1]) - float64(g.an*v[i+s]) -
			float64(g.as*v[i-s])
	}
}
