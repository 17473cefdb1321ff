package planeval

import (
	"math"
	"time"

	"github.com/trajdiff/trajdiff/rl"
)

// Reporter is implemented by policies that plan: Plans lists the plans made so far in the episode, in
// order (one for Diffuser, one per environment step for a replanning planner).
type Reporter interface {
	Plans() []PlanStats
}

// PlanStats describe one plan.
type PlanStats struct {
	Latency time.Duration // wall time to make the plan
	NFE     int           // network evaluations
	Quality PathQuality
	// Positions are the plan's (x, y), kept by the evaluation for the episode's first plan (for plots).
	Positions [][2]float64
}

// PathQuality measures a planned path in a maze.
type PathQuality struct {
	// WallPoints counts points whose (x, y) lies inside a wall cell or outside the maze (rl.Layout.InWall);
	// OutsidePoints counts those outside the maze's grid. Plans are reported, never clipped.
	WallPoints    int `json:"wall_points"`
	OutsidePoints int `json:"outside_points"`
	// WallSegments counts steps between consecutive points whose straight segment passes through a wall
	// cell or outside the maze (sampled every 0.01), although both ends may be free: a jump across a wall.
	WallSegments int `json:"wall_segments"`
	// MeanStep and MaxStep are the mean and largest distance between consecutive points: smooth, feasible
	// plans move about 0.03 per step in D4RL's data (at most ~0.05 at the speed limit); a large MaxStep is
	// a jump, e.g. to an inpainted goal the rest of the plan ignores.
	MeanStep float64 `json:"mean_step"`
	MaxStep  float64 `json:"max_step"`
}

// InWalls reports whether a point or a segment of the path is in a wall or outside the maze.
func (q PathQuality) InWalls() bool { return q.WallPoints > 0 || q.WallSegments > 0 }

// MeasurePath measures the path of positions xy in layout l.
func MeasurePath(l *rl.Layout, xy [][2]float64) PathQuality {
	var q PathQuality
	for t, p := range xy {
		if t > 0 {
			d := math.Hypot(p[0]-xy[t-1][0], p[1]-xy[t-1][1])
			q.MeanStep += d / float64(len(xy)-1)
			q.MaxStep = max(q.MaxStep, d)
			if segmentHitsWall(l, xy[t-1], p, d) {
				q.WallSegments++
			}
		}
		if l.InWall(p[0], p[1]) {
			q.WallPoints++
		}
		if _, in := l.CellAt(p[0], p[1]); !in {
			q.OutsidePoints++
		}
	}
	return q
}

// segmentHitsWall reports whether the segment from a to b (length d) passes through a wall cell or outside
// the maze, sampled every 0.01.
func segmentHitsWall(l *rl.Layout, a, b [2]float64, d float64) bool {
	n := int(math.Ceil(d / 0.01))
	for i := 0; i <= n; i++ {
		u := float64(i) / float64(max(n, 1))
		if l.InWall(a[0]+u*(b[0]-a[0]), a[1]+u*(b[1]-a[1])) {
			return true
		}
	}
	return false
}
