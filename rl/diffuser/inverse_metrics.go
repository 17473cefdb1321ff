package diffuser

import (
	"math"

	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/planeval"
)

// InverseMetrics score reconstructions against the true windows, in maze units.
type InverseMetrics struct {
	Problems int
	// PositionRMSE is the root mean square distance between reconstructed and true positions over every
	// step of every window; FreeRMSE the same over the steps whose position was not measured.
	PositionRMSE, FreeRMSE float64
	// MeanViolation and MaxViolation are the mean and largest distance between the reconstructed and the
	// measured position at the measured steps (start, goal, waypoints): 0 for a method that meets its
	// constraints.
	MeanViolation, MaxViolation float64
	// WallSegments is the mean number of steps per window whose segment crosses a wall or leaves the maze
	// (planeval.MeasurePath); InWalls the fraction of windows with any point or segment in a wall.
	WallSegments, InWalls float64
	// WaypointJump is the root mean square length of the steps into and out of the measured interior steps,
	// and MeanStep the mean step length of the windows: a reconstruction that jumps to its waypoints instead
	// of passing through them has WaypointJump well above MeanStep (the truths move ~0.03 per step).
	WaypointJump, MeanStep float64
	// TruthWallSegments is the same count for the true windows (0 for data the simulator produced).
	TruthWallSegments float64
}

// MeasureInverse scores windows (one per problem, Horizon rows each) against the problems' truths in layout
// l, with positions measured at steps 0, Horizon-1 and waypoints.
func MeasureInverse(l *rl.Layout, problems []InverseProblem, windows [][][6]float64, waypoints []int) InverseMetrics {
	m := InverseMetrics{Problems: len(problems)}
	var all, free float64
	var nAll, nFree, nMeas, nJump int
	for j, pr := range problems {
		H := len(pr.Truth)
		measured := map[int]bool{0: true, H - 1: true}
		for _, t := range waypoints {
			measured[t] = true
		}
		w := windows[j]
		xy, truth := make([][2]float64, H), make([][2]float64, H)
		for t := range w {
			xy[t], truth[t] = [2]float64{w[t][2], w[t][3]}, [2]float64{pr.Truth[t][2], pr.Truth[t][3]}
			d := math.Hypot(xy[t][0]-truth[t][0], xy[t][1]-truth[t][1])
			all += d * d
			nAll++
			if measured[t] {
				m.MeanViolation += d
				m.MaxViolation = max(m.MaxViolation, d)
				nMeas++
			} else {
				free += d * d
				nFree++
			}
		}
		for _, t := range waypoints {
			for _, u := range []int{t - 1, t + 1} {
				m.WaypointJump += (xy[u][0]-xy[t][0])*(xy[u][0]-xy[t][0]) + (xy[u][1]-xy[t][1])*(xy[u][1]-xy[t][1])
				nJump++
			}
		}
		q := planeval.MeasurePath(l, xy)
		m.MeanStep += q.MeanStep
		m.WallSegments += float64(q.WallSegments)
		if q.InWalls() {
			m.InWalls++
		}
		m.TruthWallSegments += float64(planeval.MeasurePath(l, truth).WallSegments)
	}
	n := float64(max(len(problems), 1))
	m.PositionRMSE = math.Sqrt(all / float64(max(nAll, 1)))
	m.FreeRMSE = math.Sqrt(free / float64(max(nFree, 1)))
	m.MeanViolation /= float64(max(nMeas, 1))
	m.WaypointJump = math.Sqrt(m.WaypointJump / float64(max(nJump, 1)))
	m.MeanStep /= n
	m.WallSegments /= n
	m.InWalls /= n
	m.TruthWallSegments /= n
	return m
}
