package rl

import (
	"fmt"
	"math"
)

// FreeSpace is the set of points of a maze at distance at least Clearance from every wall box (cells
// outside the grid count as walls):
//
//	F_r = { p : dist(p, W) >= r },   W the union of the wall boxes [c - 0.5, c + 0.5]^2 + WallOffset,
//
// the configuration space of a disc of radius r. With r = Radius it is where the particle's centre can
// be (the complement of the walls grown by the disc, as in collision.go). A diffusion planner's waypoint
// inside a wall, or closer to one than the particle can get, is a waypoint the controller cannot reach;
// Nearest maps it to the closest point the particle can reach with margin r - Radius.
//
// F_r is the union over the free cells c of R_c: the cell's box shrunk by r on each side that faces a
// wall cell, minus a disc of radius r around each of its corners that is a convex wall corner (a wall
// cell diagonal to c whose two cells between it and c are free). For r < 1/2 this is exact: the walls
// grown by r reach only into the cells next to them, a side neighbour's face by a strip of width r,
// a diagonal neighbour's corner by the quarter disc.
type FreeSpace struct {
	layout    *Layout
	clearance float64
	regions   []cellRegion
	regionOf  []int // per cell w*Height + h: its index in regions, -1 for a wall cell
}

// cellRegion is R_c: a box [x0, x1] x [y0, y1] minus the discs of radius r around corners.
type cellRegion struct {
	x0, x1, y0, y1 float64
	corners        [][2]float64
}

// FreeSpace returns the maze's free space at the given clearance, which must be in [0, 1/2) (a corridor
// is one cell wide).
func (l *Layout) FreeSpace(clearance float64) (*FreeSpace, error) {
	if !(clearance >= 0 && clearance < 0.5) {
		return nil, fmt.Errorf("rl: a free-space clearance must be in [0, 0.5) (corridors are one cell wide), got %v", clearance)
	}
	f := &FreeSpace{layout: l, clearance: clearance, regionOf: make([]int, l.Width()*l.Height())}
	r := clearance
	shrink := func(wall bool) float64 {
		if wall {
			return r
		}
		return 0
	}
	for w := 0; w < l.Width(); w++ {
		for h := 0; h < l.Height(); h++ {
			f.regionOf[w*l.Height()+h] = -1
			if l.Wall(w, h) {
				continue
			}
			lx, ly := wallLo(w), wallLo(h)
			c := cellRegion{x0: lx + shrink(l.Wall(w-1, h)), x1: lx + 1 - shrink(l.Wall(w+1, h)),
				y0: ly + shrink(l.Wall(w, h-1)), y1: ly + 1 - shrink(l.Wall(w, h+1))}
			for _, dw := range []int{-1, 1} {
				for _, dh := range []int{-1, 1} {
					if r > 0 && l.Wall(w+dw, h+dh) && !l.Wall(w+dw, h) && !l.Wall(w, h+dh) {
						c.corners = append(c.corners, [2]float64{lx + float64(max(dw, 0)), ly + float64(max(dh, 0))})
					}
				}
			}
			f.regionOf[w*l.Height()+h] = len(f.regions)
			f.regions = append(f.regions, c)
		}
	}
	return f, nil
}

// Clearance is r.
func (f *FreeSpace) Clearance() float64 { return f.clearance }

// Contains reports whether (x, y) lies in F_r (NaN does not).
func (f *FreeSpace) Contains(x, y float64) bool {
	c, ok := f.layout.CellAt(x, y)
	if !ok {
		return false
	}
	if i := f.regionOf[c.W*f.layout.Height()+c.H]; i >= 0 && f.regions[i].contains(x, y, f.clearance) {
		return true
	}
	// CellAt's squares are half-open: a point on the shared side of two cells may belong to the other.
	for _, g := range f.regions {
		if g.contains(x, y, f.clearance) {
			return true
		}
	}
	return false
}

// Nearest returns the point of F_r closest to (x, y) (the point itself when it is in F_r); a NaN input
// comes back unchanged.
func (f *FreeSpace) Nearest(x, y float64) (float64, float64) {
	if math.IsNaN(x) || math.IsNaN(y) {
		return x, y
	}
	if c, ok := f.layout.CellAt(x, y); ok {
		if i := f.regionOf[c.W*f.layout.Height()+c.H]; i >= 0 && f.regions[i].contains(x, y, f.clearance) {
			return x, y
		}
	}
	bx, by, best := x, y, math.Inf(1)
	for _, g := range f.regions {
		qx, qy := g.nearest(x, y, f.clearance)
		if d := math.Hypot(qx-x, qy-y); d < best {
			bx, by, best = qx, qy, d
		}
	}
	return bx, by
}

func (g *cellRegion) contains(x, y, r float64) bool {
	if x < g.x0 || x > g.x1 || y < g.y0 || y > g.y1 {
		return false
	}
	for _, k := range g.corners {
		if math.Hypot(x-k[0], y-k[1]) < r {
			return false
		}
	}
	return true
}

// nearest is the point of the region closest to p. The box's nearest point q = clamp(p) answers unless it
// lies in a corner disc (the discs are disjoint: r < 1/2 and the box side is at least 1 - r); then the
// answer is on that disc's arc inside the box: the radial projection of p or of q onto the circle,
// or one of the arc's two ends on the box's sides, whichever is closest and in the region.
func (g *cellRegion) nearest(x, y, r float64) (float64, float64) {
	qx, qy := math.Min(math.Max(x, g.x0), g.x1), math.Min(math.Max(y, g.y0), g.y1)
	var k [2]float64
	inDisc := false
	for _, c := range g.corners {
		if math.Hypot(qx-c[0], qy-c[1]) < r {
			k, inDisc = c, true
			break
		}
	}
	if !inDisc {
		return qx, qy
	}
	// Directions from the corner into the box.
	sx, sy := 1.0, 1.0
	if k[0] == g.x1 {
		sx = -1
	}
	if k[1] == g.y1 {
		sy = -1
	}
	cands := [][2]float64{{k[0] + sx*r, k[1]}, {k[0], k[1] + sy*r}}
	for _, p := range [][2]float64{{x, y}, {qx, qy}} {
		dx, dy := p[0]-k[0], p[1]-k[1]
		if d := math.Hypot(dx, dy); d > 0 {
			cands = append(cands, [2]float64{k[0] + r*dx/d, k[1] + r*dy/d})
		}
	}
	bx, by, best := qx, qy, math.Inf(1)
	for _, c := range cands {
		// Rounding (the ulp of a coordinate near 10 is 2e-15) may leave a point of the arc a hair inside
		// the circle: push it out by a relative 1e-12.
		if d := math.Hypot(c[0]-k[0], c[1]-k[1]); d < r {
			c = [2]float64{k[0] + (c[0]-k[0])*r/d*(1+1e-12), k[1] + (c[1]-k[1])*r/d*(1+1e-12)}
		}
		if !g.contains(c[0], c[1], r) {
			continue
		}
		if d := math.Hypot(c[0]-x, c[1]-y); d < best {
			bx, by, best = c[0], c[1], d
		}
	}
	return bx, by
}
