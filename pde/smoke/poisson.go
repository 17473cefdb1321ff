package smoke

import (
	"fmt"
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// The pressure problem on a level of n x n cells is stored on a padded (n+2) x (n+2) array whose ghost
// ring is always 0 (the open boundary, p = 0 outside). For a padded cell c, ax[c] is the weight of the
// face between c and its east neighbour c+1 and ay[c] that between c and its north neighbour c+s,
// s = n+2; a weight is 1 between two fluid cells or a fluid cell and the outside, 0 at solid cells
// (no flow through walls). The operator is (A p)_c = diag_c p_c - sum over the four faces w p_nb with
// diag the sum of the four weights, SPD on the fluid cells (every fluid cell connects to the outside).
type mgLevel struct {
	n, s         int
	ax, ay, diag []float64
	inv          []float64 // 1/diag, 0 at inactive cells
	act          []float64 // 1 at active cells (diag > 0), else 0
	b, x, res    []float64
	// runs lists, per interior row y (index y-1), maximal column ranges [x0, x1) whose cells all have
	// four unit face weights (diag 4): there the operator is the plain 5-point stencil and the loops
	// skip the weight loads (same arithmetic, since 1*v = v and 4*v, v/4 are exact).
	runs    [][]run
	genRuns [][]run    // the general runs of each row
	k       kernel     // the inner loops' implementation (bestKernel; tests force the others)
	patch   patchLists // the general runs' cells for the vector path (setKernel)
}

type run struct {
	x0, x1  int
	uniform bool
}

func newLevel(n int) *mgLevel {
	m := (n + 2) * (n + 2)
	buf := func() []float64 { return make([]float64, m) }
	return &mgLevel{n: n, s: n + 2, ax: buf(), ay: buf(), diag: buf(), inv: buf(), act: buf(), b: buf(), x: buf(), res: buf()}
}

func (l *mgLevel) finish() {
	s := l.s
	l.runs = make([][]run, l.n)
	l.genRuns = make([][]run, l.n)
	for y := 1; y <= l.n; y++ {
		var rs []run
		for x := 1; x <= l.n; x++ {
			c := y*s + x
			l.diag[c] = l.ax[c] + l.ax[c-1] + l.ay[c] + l.ay[c-s]
			if l.diag[c] > 0 {
				l.inv[c] = 1 / l.diag[c]
				l.act[c] = 1
			}
			u := l.ax[c] == 1 && l.ax[c-1] == 1 && l.ay[c] == 1 && l.ay[c-s] == 1
			if len(rs) > 0 && rs[len(rs)-1].uniform == u {
				rs[len(rs)-1].x1 = x + 1
			} else {
				rs = append(rs, run{x0: x, x1: x + 1, uniform: u})
			}
		}
		l.runs[y-1] = rs
		for _, r := range rs {
			if !r.uniform {
				l.genRuns[y-1] = append(l.genRuns[y-1], r)
			}
		}
	}
	l.setKernel(bestKernel())
}

// vector reports whether the level runs its vector kernel (rows at least one register long).
func (l *mgLevel) vector() bool { w := l.k.width(); return w > 0 && l.n >= w }

// apply sets out = A v on the interior cells. The vector kernels compute the uniform expression
// 4 v_c - v_e - v_w - v_n - v_s on whole rows and the cells of general runs are then overwritten with
// the scalar expression (patch.go; out is not v, so the order does not matter, and the rows stream two
// arrays instead of five).
func (l *mgLevel) apply(v, out []float64) {
	if l.vector() {
		for y := 1; y <= l.n; y++ {
			applyRowUniform(l.k, l, v, out, y)
		}
		l.patchApply(v, out)
		return
	}
	for y := 1; y <= l.n; y++ {
		l.applyRow(v, out, y)
	}
}

// applyRow sets out = A v on the cells of row y with the scalar loops. Products are wrapped in
// float64() so that the compiler cannot fuse them into FMAs (GOAMD64=v3 allows it; go1.26 happens not
// to here): the kernels round every product, and the results must not depend on the build.
func (l *mgLevel) applyRow(v, out []float64, y int) {
	s := l.s
	// Row slices of length s keep the indices below provably in range.
	o := y * s
	vc := v[o : o+s]
	vs := v[o-s : o][:len(vc)]
	vn := v[o+s : o+2*s][:len(vc)]
	oc := out[o : o+s][:len(vc)]
	ax := l.ax[o : o+s][:len(vc)]
	ay := l.ay[o : o+s][:len(vc)]
	ays := l.ay[o-s : o][:len(vc)]
	dg := l.diag[o : o+s][:len(vc)]
	for _, r := range l.runs[y-1] {
		if r.uniform {
			for x := r.x0; x < r.x1 && x+1 < len(vc); x++ {
				oc[x] = float64(4*vc[x]) - vc[x+1] - vc[x-1] - vn[x] - vs[x]
			}
			continue
		}
		for x := r.x0; x < r.x1 && x+1 < len(vc); x++ {
			oc[x] = float64(dg[x]*vc[x]) - float64(ax[x]*vc[x+1]) - float64(ax[x-1]*vc[x-1]) -
				float64(ay[x]*vn[x]) - float64(ays[x]*vs[x])
		}
	}
}

// sweep is one Gauss-Seidel pass over the cells of colour (y + x) % 2 == colour: the scalar loops row
// by row, or with the vector kernels a one-stage wavefront (smooth.go).
func (l *mgLevel) sweep(colour int) {
	if l.vector() {
		l.wavefront(colour, 1)
		return
	}
	for y := 1; y <= l.n; y++ {
		l.sweepRow(y, colour)
	}
}

// sweepRow relaxes the cells of colour c in row y with the scalar loops. Products are kept from FMA
// fusion as in applyRow.
func (l *mgLevel) sweepRow(y, colour int) {
	s := l.s
	o := y * s
	vc := l.x[o : o+s]
	vs := l.x[o-s : o][:len(vc)]
	vn := l.x[o+s : o+2*s][:len(vc)]
	bc := l.b[o : o+s][:len(vc)]
	ax := l.ax[o : o+s][:len(vc)]
	ay := l.ay[o : o+s][:len(vc)]
	ays := l.ay[o-s : o][:len(vc)]
	inv := l.inv[o : o+s][:len(vc)]
	for _, r := range l.runs[y-1] {
		x0 := r.x0
		if (y+x0)%2 != colour {
			x0++
		}
		if r.uniform {
			for x := x0; x < r.x1 && x+1 < len(vc); x += 2 {
				vc[x] = (bc[x] + vc[x+1] + vc[x-1] + vn[x] + vs[x]) * 0.25
			}
			continue
		}
		for x := x0; x < r.x1 && x+1 < len(vc); x += 2 {
			vc[x] = (bc[x] + float64(ax[x]*vc[x+1]) + float64(ax[x-1]*vc[x-1]) + float64(ay[x]*vn[x]) +
				float64(ays[x]*vs[x])) * inv[x]
		}
	}
}

// coarsen builds the next level by averaging the two fine face weights under each coarse face (the
// rediscretised operator on the doubled grid; n must be even).
func (l *mgLevel) coarsen() *mgLevel {
	nc := l.n / 2
	c := newLevel(nc)
	fs, cs := l.s, c.s
	f := func(py, px int) int { return py*fs + px } // fine index from padded coordinates
	for Y := 0; Y < nc; Y++ {
		for X := -1; X < nc; X++ { // east face of coarse (Y, X): fine faces east of (2Y+k, 2X+1)
			c.ax[(Y+1)*cs+X+1] = 0.5 * (l.ax[f(2*Y+1, 2*X+2)] + l.ax[f(2*Y+2, 2*X+2)])
		}
	}
	for Y := -1; Y < nc; Y++ {
		for X := 0; X < nc; X++ { // north face of coarse (Y, X)
			c.ay[(Y+1)*cs+X+1] = 0.5 * (l.ay[f(2*Y+2, 2*X+1)] + l.ay[f(2*Y+2, 2*X+2)])
		}
	}
	c.finish()
	return c
}

// pressureSolver is conjugate gradients preconditioned by one multigrid V-cycle (McAdams, Sifakis &
// Teran 2010): red-black Gauss-Seidel smoothing (red then black before the coarse correction, black
// then red after, so the preconditioner is symmetric), residuals summed over 2 x 2 blocks,
// piecewise-constant prolongation, and a dense Cholesky solve on the coarsest level.
type pressureSolver struct {
	levels     []*mgLevel
	chol       []float64 // coarsest-level Cholesky factor, row-major lower triangle
	cellOf     []int     // coarsest active unknown -> padded index
	coarseY    []float64 // coarseSolve's scratch, one per coarsest unknown
	tol        float64
	maxIter    int
	r, z, d, q []float64
	iters      int // iterations of the last solve
}

// smoothSweeps is the number of red-black sweep pairs before and after the coarse correction.
const smoothSweeps = 2

// topLevel builds the finest level of the layout's pressure problem (any n >= 1).
func topLevel(l *Layout) *mgLevel {
	n := l.N
	top := newLevel(n)
	s := top.s
	// Outside cells count as fluid (p = 0 there); padded index of cell (y, x) is (y+1) s + x+1.
	fluid := func(y, x int) bool { return y < 0 || x < 0 || y >= n || x >= n || !l.Solid[y*n+x] }
	for y := 0; y < n; y++ {
		for x := -1; x < n; x++ { // face between (y, x) and (y, x+1), including both boundary faces
			if fluid(y, x) && fluid(y, x+1) {
				top.ax[(y+1)*s+x+1] = 1
			}
		}
	}
	for y := -1; y < n; y++ {
		for x := 0; x < n; x++ { // face between (y, x) and (y+1, x)
			if fluid(y, x) && fluid(y+1, x) {
				top.ay[(y+1)*s+x+1] = 1
			}
		}
	}
	top.finish()
	return top
}

func newPressureSolver(l *Layout, tol float64, maxIter int) (*pressureSolver, error) {
	n := l.N
	top := topLevel(l)
	ps := &pressureSolver{levels: []*mgLevel{top}, tol: tol, maxIter: maxIter}
	for lv := top; lv.n%2 == 0 && lv.n > 8; {
		lv = lv.coarsen()
		ps.levels = append(ps.levels, lv)
	}
	if err := ps.factorCoarsest(); err != nil {
		return nil, err
	}
	m := (n + 2) * (n + 2)
	// The residual is the top level's right-hand side and the preconditioned residual its solution,
	// so the V-cycle reads r and writes z in place (no copies; vcycle does not change b).
	ps.r, ps.z, ps.d, ps.q = top.b, top.x, make([]float64, m), make([]float64, m)
	return ps, nil
}

func (ps *pressureSolver) factorCoarsest() error {
	l := ps.levels[len(ps.levels)-1]
	s := l.s
	idx := map[int]int{}
	for y := 1; y <= l.n; y++ {
		for x := 1; x <= l.n; x++ {
			if c := y*s + x; l.diag[c] > 0 {
				idx[c] = len(ps.cellOf)
				ps.cellOf = append(ps.cellOf, c)
			}
		}
	}
	k := len(ps.cellOf)
	a := make([]float64, k*k)
	for i, c := range ps.cellOf {
		a[i*k+i] = l.diag[c]
		for _, nb := range [4]struct {
			cell int
			w    float64
		}{{c + 1, l.ax[c]}, {c - 1, l.ax[c-1]}, {c + s, l.ay[c]}, {c - s, l.ay[c-s]}} {
			if j, ok := idx[nb.cell]; ok {
				a[i*k+j] -= nb.w
			}
		}
	}
	for j := 0; j < k; j++ { // in-place Cholesky, lower triangle
		d := a[j*k+j]
		for p := 0; p < j; p++ {
			d -= a[j*k+p] * a[j*k+p]
		}
		if !(d > 0) {
			return pde.Invalidf("smoke: coarsest pressure matrix is not positive definite (pivot %d = %v)", j, d)
		}
		d = math.Sqrt(d)
		a[j*k+j] = d
		for i := j + 1; i < k; i++ {
			v := a[i*k+j]
			for p := 0; p < j; p++ {
				v -= a[i*k+p] * a[j*k+p]
			}
			a[i*k+j] = v / d
		}
	}
	ps.chol = a
	ps.coarseY = make([]float64, k)
	return nil
}

// coarseSolve sets l.x = A^-1 l.b on the coarsest level.
func (ps *pressureSolver) coarseSolve(l *mgLevel) {
	k := len(ps.cellOf)
	a, y := ps.chol, ps.coarseY
	for i, c := range ps.cellOf {
		v := l.b[c]
		for p := 0; p < i; p++ {
			v -= a[i*k+p] * y[p]
		}
		y[i] = v / a[i*k+i]
	}
	for i := k - 1; i >= 0; i-- {
		v := y[i]
		for p := i + 1; p < k; p++ {
			v -= a[p*k+i] * y[p]
		}
		y[i] = v / a[i*k+i]
	}
	for i, c := range ps.cellOf {
		l.x[c] = y[i]
	}
}

// vcycle applies the preconditioner on level i: l.x = M^-1 l.b, starting from zero.
func (ps *pressureSolver) vcycle(i int) {
	l := ps.levels[i]
	clear(l.x)
	if i == len(ps.levels)-1 {
		ps.coarseSolve(l)
		return
	}
	l.smooth(0)
	l.apply(l.x, l.res)
	c := ps.levels[i+1]
	l.restrict(c)
	ps.vcycle(i + 1)
	l.prolong(c)
	l.smooth(1)
}

// solve overwrites p (padded, used as the initial guess) with the solution of A p = b to max-norm
// residual tol and returns the number of iterations.
func (ps *pressureSolver) solve(b, p []float64) (int, error) {
	top := ps.levels[0]
	r, z, d, q := ps.r, ps.z, ps.d, ps.q
	top.apply(p, q)
	res := 0.0
	for c, dg := range top.diag {
		if dg > 0 {
			r[c] = b[c] - q[c]
			if a := math.Abs(r[c]); a > res {
				res = a
			}
		}
	}
	if res <= ps.tol {
		ps.iters = 0
		return 0, nil
	}
	// precondition sets z = M^-1 r and returns r.z.
	precondition := func() float64 {
		ps.vcycle(0) // top.b is r, top.x is z
		return dot(r, z)
	}
	rz := precondition()
	copy(d, z)
	for it := 1; it <= ps.maxIter; it++ {
		top.apply(d, q)
		alpha := rz / dot(d, q)
		// The vector kernel takes a prefix of whole registers; its max |r| is the same number whatever
		// the order (max of non-NaN values, NaNs skipped as here), and the products are kept from FMA
		// fusion.
		var m int
		m, res = cgUpdateVec(top.k, p, r, d, q, alpha)
		p, d, q := p[:len(r)], d[:len(r)], q[:len(r)]
		for c := m; c < len(r); c++ {
			p[c] += float64(alpha * d[c])
			r[c] -= float64(alpha * q[c])
			if a := math.Abs(r[c]); a > res {
				res = a
			}
		}
		if res <= ps.tol {
			ps.iters = it
			return it, nil
		}
		rzNew := precondition()
		beta := rzNew / rz
		rz = rzNew
		z := z[:len(d)]
		for c := cgDirectionVec(top.k, d, z, beta); c < len(d); c++ {
			d[c] = z[c] + float64(beta*d[c])
		}
	}
	ps.iters = ps.maxIter
	return ps.maxIter, fmt.Errorf("smoke: pressure solve reached %d iterations with residual %.3g > %.3g: %w", ps.maxIter, res, ps.tol, pde.ErrUnstable)
}

// dot is sum_i a_i b_i with four partial sums (breaks the add latency chain).
func dot(a, b []float64) float64 {
	var s0, s1, s2, s3 float64
	b = b[:len(a)]
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
