package rl

import (
	"math"
	"math/rand/v2"
	"testing"
)

// wallDistance is the signed distance from (x, y) to the nearest wall box, cells outside the grid included
// (computed box by box over a margin of two cells around the grid): minus the depth inside a box.
func wallDistance(l *Layout, x, y float64) float64 {
	d := math.Inf(1)
	for w := -2; w < l.Width()+2; w++ {
		for h := -2; h < l.Height()+2; h++ {
			if !l.Wall(w, h) {
				continue
			}
			x0, y0 := wallLo(w), wallLo(h)
			dx, dy := math.Max(x0-x, x-(x0+1)), math.Max(y0-y, y-(y0+1))
			if dx < 0 && dy < 0 {
				d = math.Min(d, math.Max(dx, dy))
				continue
			}
			d = math.Min(d, math.Hypot(math.Max(dx, 0), math.Max(dy, 0)))
		}
	}
	return d
}

// TestFreeSpaceIsThePointsClearOfEveryWall: Contains agrees with the definition dist(p, walls) >= r, box by
// box, on random points of every maze (walls, corridors, corners, outside the grid).
func TestFreeSpaceIsThePointsClearOfEveryWall(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range LayoutNames() {
		l, err := LayoutByName(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []float64{0, Radius, 0.25, 0.45} {
			f, err := l.FreeSpace(r)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 20000; i++ {
				x := -1.5 + rng.Float64()*float64(l.Width()+1)
				y := -1.5 + rng.Float64()*float64(l.Height()+1)
				d := wallDistance(l, x, y)
				if math.Abs(d-r) < 1e-9 {
					continue // on the boundary: either answer is right
				}
				if got, want := f.Contains(x, y), d > r; got != want {
					t.Fatalf("%s r=%v: Contains(%v, %v) = %v, but the distance to the walls is %v", name, r, x, y, got, d)
				}
			}
		}
	}
}

// TestNearestFreePointMatchesABruteForceSearch: Nearest returns a point of F_r, leaves points of F_r where
// they are, and is no farther than the closest of a 0.02 grid of free points (up to the grid's own
// resolution), so it is the projection onto F_r.
func TestNearestFreePointMatchesABruteForceSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, name := range []string{"umaze", "medium"} {
		l, err := LayoutByName(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []float64{0, Radius, 0.3} {
			f, err := l.FreeSpace(r)
			if err != nil {
				t.Fatal(err)
			}
			const step = 0.02
			var grid [][2]float64
			for x := wallLo(0); x <= wallLo(l.Width()); x += step {
				for y := wallLo(0); y <= wallLo(l.Height()); y += step {
					if d := wallDistance(l, x, y); d >= r && d > 0 { // r = 0: strictly outside the walls
						grid = append(grid, [2]float64{x, y})
					}
				}
			}
			for i := 0; i < 150; i++ {
				x := -1 + rng.Float64()*float64(l.Width())
				y := -1 + rng.Float64()*float64(l.Height())
				qx, qy := f.Nearest(x, y)
				if d := wallDistance(l, qx, qy); d < r-1e-12 || d < -1e-12 {
					t.Fatalf("%s r=%v: Nearest(%v, %v) = (%v, %v) is %v from a wall", name, r, x, y, qx, qy, d)
				}
				if f.Contains(x, y) && (qx != x || qy != y) {
					t.Fatalf("%s r=%v: the free point (%v, %v) moved to (%v, %v)", name, r, x, y, qx, qy)
				}
				brute := math.Inf(1)
				for _, g := range grid {
					brute = math.Min(brute, math.Hypot(g[0]-x, g[1]-y))
				}
				if got := math.Hypot(qx-x, qy-y); got > brute+1e-12 || got < brute-step*math.Sqrt2 {
					t.Fatalf("%s r=%v: Nearest(%v, %v) moves it %v; the closest free grid point is %v away", name, r, x, y, got, brute)
				}
			}
		}
	}
}

func TestFreeSpaceRefusesAClearanceWiderThanACorridor(t *testing.T) {
	l, err := LayoutByName("umaze")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []float64{-0.1, 0.5, math.NaN(), math.Inf(1)} {
		if _, err := l.FreeSpace(r); err == nil {
			t.Errorf("clearance %v was accepted", r)
		}
	}
}

// BenchmarkFreeSpaceNearest projects points drawn uniformly over the Large maze's grid (57% of its cells are
// walls) onto F_0.15: the cost the free-space projection adds per waypoint and denoising step.
func BenchmarkFreeSpaceNearest(b *testing.B) {
	l, err := LayoutByName("large")
	if err != nil {
		b.Fatal(err)
	}
	f, err := l.FreeSpace(0.15)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	pts := make([][2]float64, 4096)
	for i := range pts {
		pts[i] = [2]float64{-0.7 + rng.Float64()*float64(l.Width()), -0.7 + rng.Float64()*float64(l.Height())}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pts[i%len(pts)]
		f.Nearest(p[0], p[1])
	}
}
