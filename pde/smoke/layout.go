package smoke

import (
	"math"

	"github.com/trajdiff/trajdiff/pde"
)

// Rect is the cell block rows [Y0, Y1) x columns [X0, X1).
type Rect struct{ Y0, Y1, X0, X1 int }

// Contains reports whether cell (y, x) lies in r.
func (r Rect) Contains(y, x int) bool { return y >= r.Y0 && y < r.Y1 && x >= r.X0 && x < r.X1 }

// Layout is the geometry of the smoke box: solid cells, exit (absorbing) regions and the control band.
type Layout struct {
	N      int
	Solid  []bool // N x N, row-major (row y, column x; y grows upwards)
	Exits  []Rect // WDNO order: top left, top middle, top right, left lower, left upper, right lower, right upper
	Target int    // index of the target exit (the top middle one)
	// Band: velocity faces whose (row, column) index lies outside [BandLo, BandHi)^2 are controlled.
	BandLo, BandHi int
}

// WDNOLayout returns the box of the WDNO smoke task scaled to n x n cells (coordinates given for 128,
// multiplied by n/128 and rounded; walls stay one cell thick): a closed box [16, 112)^2 with a bottom
// wall, side walls with two exits each, a top wall with three exits, two pairs of posts and a bar.
func WDNOLayout(n int) Layout {
	s := float64(n) / 128
	c := func(v int) int { return int(math.Round(float64(v) * s)) }
	l := Layout{N: n, Solid: make([]bool, n*n), Target: 1, BandLo: c(16), BandHi: c(112)}
	hline := func(y, x0, x1 int) { // one-cell-thick wall on row y, columns [x0, x1) (128 coordinates)
		for x := c(x0); x < c(x1); x++ {
			l.Solid[c(y)*n+x] = true
		}
	}
	vline := func(x, y0, y1 int) {
		for y := c(y0); y < c(y1); y++ {
			l.Solid[y*n+c(x)] = true
		}
	}
	hline(16, 16, 112) // bottom
	for _, x := range []int{16, 112} {
		vline(x, 16, 24) // sides, with exits at [24, 40) and [56, 72)
		vline(x, 40, 56)
		vline(x, 72, 112)
	}
	for _, seg := range [][2]int{{16, 24}, {40, 56}, {72, 88}, {104, 112}} {
		hline(112, seg[0], seg[1]) // top, with exits at [24, 40), [56, 72), [88, 104)
	}
	for _, x := range []int{48, 80} {
		vline(x, 64, 80) // posts
		vline(x, 96, 112)
	}
	hline(40, 40, 88) // bar
	rect := func(y, x, h, w int) Rect { return Rect{c(y), c(y + h), c(x), c(x + w)} }
	l.Exits = []Rect{
		rect(112, 22, 16, 20), rect(112, 54, 16, 20), rect(112, 86, 16, 20), // top, to the upper edge
		rect(22, 0, 20, 16), rect(54, 0, 20, 16), // left
		rect(22, 112, 20, 16), rect(54, 112, 20, 16), // right, to the right edge
	}
	return l
}

// InBand reports whether the velocity face with row index y and column index x (both in 0..N) is
// controlled.
func (l *Layout) InBand(y, x int) bool {
	return !(y >= l.BandLo && y < l.BandHi && x >= l.BandLo && x < l.BandHi)
}

// check verifies the sizes and that every fluid cell is connected to the open domain boundary (an
// enclosed fluid pocket would make the pressure problem singular).
func (l *Layout) check() error {
	n := l.N
	if len(l.Solid) != n*n {
		return pde.Invalidf("smoke layout: %d solid flags for a %d x %d grid", len(l.Solid), n, n)
	}
	if l.Target < 0 || l.Target >= len(l.Exits) {
		return pde.Invalidf("smoke layout: target exit %d of %d", l.Target, len(l.Exits))
	}
	for _, e := range l.Exits {
		if e.Y0 < 0 || e.X0 < 0 || e.Y1 > n || e.X1 > n || e.Y0 >= e.Y1 || e.X0 >= e.X1 {
			return pde.Invalidf("smoke layout: exit %+v outside the %d x %d grid", e, n, n)
		}
	}
	seen := make([]bool, n*n)
	var stack []int
	push := func(y, x int) {
		if y < 0 || x < 0 || y >= n || x >= n {
			return
		}
		if i := y*n + x; !seen[i] && !l.Solid[i] {
			seen[i] = true
			stack = append(stack, i)
		}
	}
	for k := 0; k < n; k++ {
		push(0, k)
		push(n-1, k)
		push(k, 0)
		push(k, n-1)
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		y, x := i/n, i%n
		push(y-1, x)
		push(y+1, x)
		push(y, x-1)
		push(y, x+1)
	}
	for i := range seen {
		if !l.Solid[i] && !seen[i] {
			return pde.Invalidf("smoke layout: fluid cell (%d, %d) is enclosed by solids", i/n, i%n)
		}
	}
	return nil
}
