package diffuser

import (
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/rl"
)

// TestFreeProjectionMovesOnlyTheWaypointsPositions: the x0-correction changes (x, y) of the steps between
// the inpainted ends, to normalised values that decode to free points, and nothing else.
func TestFreeProjectionMovesOnlyTheWaypointsPositions(t *testing.T) {
	l, err := rl.LayoutByName("umaze")
	if err != nil {
		t.Fatal(err)
	}
	free, err := l.FreeSpace(0.2)
	if err != nil {
		t.Fatal(err)
	}
	const H, T = 8, actionDim + obsDim
	f := &freeProjection{free: free, lo: [2]float64{0.4, 0.4}, span: [2]float64{2.4, 2.4}, clip: true, horizon: H, stride: T}
	p := &Planner{free: f}
	x0 := make([]float64, 2*H*T)
	for i := range x0 {
		x0[i] = math.Sin(float64(7*i)) * 0.999 // positions all over the maze, walls included
	}
	orig := append([]float64(nil), x0...)
	if err := p.correction()(x0, nil, 0.5); err != nil {
		t.Fatal(err)
	}
	moved := 0
	for i := range x0 {
		w, step, c := i/(H*T), (i%(H*T))/T, i%T
		isPos := c == obsOffset || c == obsOffset+1
		if !isPos || step == 0 || step == H-1 {
			if x0[i] != orig[i] {
				t.Fatalf("window %d step %d entry %d changed: %v -> %v", w, step, c, orig[i], x0[i])
			}
			continue
		}
		if x0[i] != orig[i] {
			moved++
		}
		if c == obsOffset {
			x := f.lo[0] + (x0[i]+1)*f.span[0]/2
			y := f.lo[1] + (x0[i+1]+1)*f.span[1]/2
			// Free up to the rounding of the normalisation's round trip.
			if qx, qy := f.free.Nearest(x, y); math.Hypot(qx-x, qy-y) > 1e-12 {
				t.Fatalf("window %d step %d: (%v, %v) is %v from the free space", w, step, x, y, math.Hypot(qx-x, qy-y))
			}
		}
	}
	if moved == 0 {
		t.Fatal("no waypoint moved")
	}
}
