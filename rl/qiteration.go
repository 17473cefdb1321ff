package rl

// Tabular planning on the maze grid, as D4RL's waypoint controller does it (q_iteration.py with
// entropy weight 0 on gridcraft's GridEnv, deterministic moves).

// Grid actions in gridcraft's order; argmax ties go to the lowest index.
const (
	actNoop = iota
	actUp
	actDown
	actLeft
	actRight
	numGridActions
)

// gridMove is the cell offset (dw, dh) of a grid action: UP (0, -1), DOWN (0, +1), LEFT (-1, 0),
// RIGHT (+1, 0).
func gridMove(a int) (int, int) {
	switch a {
	case actUp:
		return 0, -1
	case actDown:
		return 0, 1
	case actLeft:
		return -1, 0
	case actRight:
		return 1, 0
	}
	return 0, 0
}

const (
	qIterations = 50
	qDiscount   = 0.99
	maxPlanLen  = 100
)

// gridPlanner solves the grid MDP with a reward of 1 for being in the target cell.
type gridPlanner struct {
	layout *Layout
	next   []int32 // next[s*5+a]: successor state of s under a (into a wall or off the grid: stay)
	q, v   []float64
	vNext  []float64
}

func newGridPlanner(l *Layout) *gridPlanner {
	W, H := l.Width(), l.Height()
	n := W * H
	p := &gridPlanner{layout: l, next: make([]int32, n*numGridActions), q: make([]float64, n*numGridActions),
		v: make([]float64, n), vNext: make([]float64, n)}
	for w := 0; w < W; w++ {
		for h := 0; h < H; h++ {
			s := w*H + h
			for a := 0; a < numGridActions; a++ {
				dw, dh := gridMove(a)
				t := s
				// Legal moves stay on the grid and do not enter a wall; others are NOOPs. Moves out
				// of a wall cell are allowed, as in gridcraft (the centre may round to a wall cell).
				if !l.Wall(w+dw, h+dh) {
					t = (w+dw)*H + h + dh
				}
				p.next[s*numGridActions+a] = int32(t)
			}
		}
	}
	return p
}

// solve runs 50 sweeps of Q(s, a) = R(s) + 0.99 V(next(s, a)), V = max_a Q, from Q = 0, with
// R(s) = 1 at the target only. Each value is computed with the same operations as NumPy's
// reward + discount * T.dot(V) for a 0/1 transition matrix, so exact ties stay exact.
func (p *gridPlanner) solve(target Cell) {
	H := p.layout.Height()
	ts := target.W*H + target.H
	clear(p.v)
	for it := 0; it < qIterations; it++ {
		for s := range p.v {
			r := 0.0
			if s == ts {
				r = 1
			}
			best := 0.0
			for a := 0; a < numGridActions; a++ {
				q := r + qDiscount*p.v[p.next[s*numGridActions+a]]
				p.q[s*numGridActions+a] = q
				if a == 0 || q > best {
					best = q
				}
			}
			p.vNext[s] = best
		}
		p.v, p.vNext = p.vNext, p.v
	}
}

// greedyPath rolls the greedy policy out from start for at most 100 moves, stopping at the target,
// and returns the visited cells (excluding start). The first maximum wins ties, like np.argmax.
func (p *gridPlanner) greedyPath(start, target Cell) []Cell {
	H := p.layout.Height()
	s, ts := start.W*H+start.H, target.W*H+target.H
	var path []Cell
	for i := 0; i < maxPlanLen; i++ {
		best, ba := 0.0, 0
		for a := 0; a < numGridActions; a++ {
			if q := p.q[s*numGridActions+a]; a == 0 || q > best {
				best, ba = q, a
			}
		}
		s = int(p.next[s*numGridActions+ba])
		path = append(path, Cell{s / H, s % H})
		if s == ts {
			break
		}
	}
	return path
}
