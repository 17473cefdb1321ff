package rl

import "math"

// The particle is a disc of radius Radius moving among axis-aligned unit wall boxes. Its centre must
// stay outside the Minkowski sum of the walls and the disc: the walls grown by Radius with rounded
// corners. That boundary consists of wall faces pushed out by Radius (segments, wherever a wall cell
// faces a free cell) and quarter circles of radius Radius around the wall corners that stick out into
// free space (a grid corner with one wall among its four cells, or two diagonal ones). A step sweeps
// the centre along its displacement, stops at the first contact and slides along the contact
// (frictionless, inelastic: the normal velocity is removed), up to maxSlides times.

// segment is a pushed-out wall face: the points with coordinate axis == level and the other
// coordinate in [lo, hi]; normal is +1 or -1, the outward direction along axis.
type segment struct {
	axis   int
	level  float64
	lo, hi float64
	normal float64
}

// corner is a convex wall corner; the centre must stay Radius away from it.
type corner struct{ x, y float64 }

// obstacles are the contact primitives near one cell.
type obstacles struct {
	segs    []segment
	corners []corner
}

// collider holds, for every cell, the primitives of the 3 x 3 cells around it. A step moves the
// centre by at most h (MaxSpeed + h Gear/Mass) sqrt 2 ~ 0.074 < 1 - Radius, so contacts during a step
// from a cell involve only these.
type collider struct {
	layout *Layout
	near   []obstacles // index w*Height + h
}

const (
	// contactSkin is how far short of the exact contact a sweep stops, so that rounding never puts
	// the centre inside a wall.
	contactSkin = 1e-9
	maxSlides   = 4
)

// wallLo is the qpos coordinate of the low face of wall cell index i (w or h): walls span
// [i + WallOffset - 0.5, i + WallOffset + 0.5].
func wallLo(i int) float64 { return float64(i) + WallOffset - 0.5 }

func newCollider(l *Layout) *collider {
	W, H := l.Width(), l.Height()
	// All primitives, keyed by the cell they belong to.
	segsOf := make([][]segment, W*H)
	for w := 0; w < W; w++ {
		for h := 0; h < H; h++ {
			if !l.Wall(w, h) {
				continue
			}
			x0, y0 := wallLo(w), wallLo(h)
			add := func(s segment) { segsOf[w*H+h] = append(segsOf[w*H+h], s) }
			if !l.Wall(w+1, h) {
				add(segment{axis: 0, level: x0 + 1 + Radius, lo: y0, hi: y0 + 1, normal: 1})
			}
			if !l.Wall(w-1, h) {
				add(segment{axis: 0, level: x0 - Radius, lo: y0, hi: y0 + 1, normal: -1})
			}
			if !l.Wall(w, h+1) {
				add(segment{axis: 1, level: y0 + 1 + Radius, lo: x0, hi: x0 + 1, normal: 1})
			}
			if !l.Wall(w, h-1) {
				add(segment{axis: 1, level: y0 - Radius, lo: x0, hi: x0 + 1, normal: -1})
			}
		}
	}
	// Grid corner (a, b) is shared by cells (a-1, b-1), (a-1, b), (a, b-1), (a, b).
	cornerAt := make(map[[2]int]bool)
	for a := 0; a <= W; a++ {
		for b := 0; b <= H; b++ {
			ll, lh, hl, hh := l.Wall(a-1, b-1), l.Wall(a-1, b), l.Wall(a, b-1), l.Wall(a, b)
			n := 0
			for _, x := range []bool{ll, lh, hl, hh} {
				if x {
					n++
				}
			}
			if n == 1 || n == 2 && ll == hh {
				cornerAt[[2]int{a, b}] = true
			}
		}
	}
	c := &collider{layout: l, near: make([]obstacles, W*H)}
	for w := 0; w < W; w++ {
		for h := 0; h < H; h++ {
			o := &c.near[w*H+h]
			for dw := -1; dw <= 1; dw++ {
				for dh := -1; dh <= 1; dh++ {
					if ww, hh := w+dw, h+dh; ww >= 0 && hh >= 0 && ww < W && hh < H {
						o.segs = append(o.segs, segsOf[ww*H+hh]...)
					}
				}
			}
			// The corners of the 3 x 3 block: grid points a in [w-1, w+2], b in [h-1, h+2].
			for a := w - 1; a <= w+2; a++ {
				for b := h - 1; b <= h+2; b++ {
					if cornerAt[[2]int{a, b}] {
						o.corners = append(o.corners, corner{wallLo(a), wallLo(b)})
					}
				}
			}
		}
	}
	return c
}

// cellOf returns the cell containing qpos point (x, y), clamped to the maze.
func (c *collider) cellOf(x, y float64) int {
	W, H := c.layout.Width(), c.layout.Height()
	w := int(math.Floor(x - WallOffset + 0.5))
	h := int(math.Floor(y - WallOffset + 0.5))
	w = min(max(w, 0), W-1)
	h = min(max(h, 0), H-1)
	return w*H + h
}

// firstHit returns the earliest fraction t in [0, 1] of the displacement d at which the centre p
// touches a primitive, and the outward contact normal there.
func (o *obstacles) firstHit(px, py, dx, dy float64) (t, nx, ny float64, hit bool) {
	t = math.Inf(1)
	for i := range o.segs {
		s := &o.segs[i]
		p, dp, q, dq := px, dx, py, dy
		if s.axis == 1 {
			p, dp, q, dq = py, dy, px, dx
		}
		rate := s.normal * dp // rate of change of the signed distance
		if rate >= 0 {
			continue
		}
		gap := s.normal * (p - s.level) // >= 0 outside
		var th float64
		switch {
		case gap >= 0:
			th = gap / -rate
		case gap > -1e-6:
			th = 0 // touching up to rounding
		default:
			continue // behind the face: another part of the maze
		}
		if th > 1 || th >= t {
			continue
		}
		if qc := q + th*dq; qc < s.lo || qc > s.hi {
			continue
		}
		t, hit = th, true
		if s.axis == 0 {
			nx, ny = s.normal, 0
		} else {
			nx, ny = 0, s.normal
		}
	}
	for i := range o.corners {
		k := &o.corners[i]
		ex, ey := px-k.x, py-k.y
		b := dx*ex + dy*ey // half the derivative of |e|^2
		if b >= 0 {
			continue
		}
		a := dx*dx + dy*dy
		cc := ex*ex + ey*ey - Radius*Radius
		var th float64
		if cc <= 0 {
			th = 0
		} else {
			disc := b*b - a*cc
			if disc < 0 {
				continue
			}
			th = (-b - math.Sqrt(disc)) / a
		}
		if th > 1 || th >= t {
			continue
		}
		hx, hy := ex+th*dx, ey+th*dy
		n := math.Hypot(hx, hy)
		t, hit, nx, ny = th, true, hx/n, hy/n
	}
	return t, nx, ny, hit
}

// move sweeps the centre from (x, y) by (dx, dy), sliding along contacts, and removes the inward
// normal component of the velocity (vx, vy) at each contact. It returns the new centre and velocity.
func (c *collider) move(x, y, dx, dy, vx, vy float64) (float64, float64, float64, float64) {
	o := &c.near[c.cellOf(x, y)]
	for slide := 0; slide < maxSlides; slide++ {
		t, nx, ny, hit := o.firstHit(x, y, dx, dy)
		if !hit {
			return x + dx, y + dy, vx, vy
		}
		l := math.Hypot(dx, dy)
		ts := math.Max(0, t-contactSkin/l)
		x, y = x+ts*dx, y+ts*dy
		dx, dy = (1-ts)*dx, (1-ts)*dy
		if dn := dx*nx + dy*ny; dn < 0 {
			dx, dy = dx-dn*nx, dy-dn*ny
		}
		if vn := vx*nx + vy*ny; vn < 0 {
			vx, vy = vx-vn*nx, vy-vn*ny
		}
	}
	return x, y, vx, vy // still blocked (a concave corner): stay at the last contact
}

// clearance returns the distance from (x, y) to the nearest wall box minus Radius (negative when the
// disc overlaps a wall). It checks every wall; it is for validation and tests, not the step.
func (c *collider) clearance(x, y float64) float64 {
	l := c.layout
	best := math.Inf(1)
	for w := 0; w < l.Width(); w++ {
		for h := 0; h < l.Height(); h++ {
			if !l.Wall(w, h) {
				continue
			}
			x0, y0 := wallLo(w), wallLo(h)
			ddx := math.Max(math.Max(x0-x, 0), x-(x0+1))
			ddy := math.Max(math.Max(y0-y, 0), y-(y0+1))
			d := math.Hypot(ddx, ddy)
			if ddx == 0 && ddy == 0 { // inside the box: negative depth
				d = -math.Min(math.Min(x-x0, x0+1-x), math.Min(y-y0, y0+1-y))
			}
			best = math.Min(best, d)
		}
	}
	return best - Radius
}
