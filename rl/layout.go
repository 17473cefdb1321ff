package rl

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// The D4RL maze strings (d4rl/pointmaze/maze_model.py): rows are separated by '\', '#' is a wall,
// 'O' empty and 'G' the goal. Row index w is the qpos x axis, column index h the qpos y axis.
const (
	uMaze      = `#####\#GOO#\###O#\#OOO#\#####`
	mediumMaze = `########\#OO##OO#\#OO#OOO#\##OOO###\#OO#OOO#\#O#OO#O#\#OOO#OG#\########`
	largeMaze  = `############\#OOOO#OOOOO#\#O##O#O#O#O#\#OOOOOO#OOO#\#O####O###O#\#OO#O#OOOOO#\##O#O#O#O###\#OO#OOO#OGO#\############`
)

// Layout is one of D4RL's maze2d mazes with the constants of its registered v1 environment.
type Layout struct {
	// Name is the CLI name: "umaze", "medium" or "large".
	Name string
	// D4RLName is the registered environment, e.g. "maze2d-umaze-v1".
	D4RLName string
	// Rows are the maze string's rows; Rows[w][h] is cell (w, h).
	Rows []string
	// Goal is the goal cell (the 'G'), the fixed target of the v1 environments.
	Goal Cell
	// MaxEpisodeSteps is the registered time limit (300 / 600 / 800).
	MaxEpisodeSteps int
	// RefMinScore and RefMaxScore are D4RL's normalisation references (d4rl/infos.py): the return of a
	// random policy and of the waypoint controller.
	RefMinScore, RefMaxScore float64
	// DatasetSteps is the default dataset size (1M / 2M / 4M steps).
	DatasetSteps int
}

// Cell is a maze cell (w, h): row w of the maze string (qpos x = w), column h (qpos y = h).
type Cell struct{ W, H int }

// LayoutNames lists the layouts in increasing size.
func LayoutNames() []string { return []string{"umaze", "medium", "large"} }

// LayoutByName returns a fresh copy of a layout.
func LayoutByName(name string) (*Layout, error) {
	var l Layout
	switch name {
	case "umaze":
		l = Layout{Name: name, D4RLName: "maze2d-umaze-v1", Rows: strings.Split(uMaze, `\`), MaxEpisodeSteps: 300,
			RefMinScore: 23.85, RefMaxScore: 161.86, DatasetSteps: 1_000_000}
	case "medium":
		l = Layout{Name: name, D4RLName: "maze2d-medium-v1", Rows: strings.Split(mediumMaze, `\`), MaxEpisodeSteps: 600,
			RefMinScore: 13.13, RefMaxScore: 277.39, DatasetSteps: 2_000_000}
	case "large":
		l = Layout{Name: name, D4RLName: "maze2d-large-v1", Rows: strings.Split(largeMaze, `\`), MaxEpisodeSteps: 800,
			RefMinScore: 6.7, RefMaxScore: 273.99, DatasetSteps: 4_000_000}
	default:
		return nil, fmt.Errorf("rl: unknown maze layout %q (want one of %s)", name, strings.Join(LayoutNames(), ", "))
	}
	goals := 0
	for w, row := range l.Rows {
		if len(row) != len(l.Rows[0]) {
			return nil, fmt.Errorf("rl: layout %s row %d has %d cells, row 0 has %d", name, w, len(row), len(l.Rows[0]))
		}
		for h := range row {
			if row[h] == 'G' {
				l.Goal = Cell{w, h}
				goals++
			}
		}
	}
	if goals != 1 {
		return nil, fmt.Errorf("rl: layout %s has %d goal cells, want 1", name, goals)
	}
	return &l, nil
}

// Width and Height are the numbers of rows (x extent) and columns (y extent).
func (l *Layout) Width() int  { return len(l.Rows) }
func (l *Layout) Height() int { return len(l.Rows[0]) }

// GoalPoint is the centre of the goal cell, (W, H) in maze units: the fixed target of the v1
// environments.
func (l *Layout) GoalPoint() [2]float64 { return [2]float64{float64(l.Goal.W), float64(l.Goal.H)} }

// Wall reports whether cell (w, h) is a wall; cells outside the maze count as walls.
func (l *Layout) Wall(w, h int) bool {
	if w < 0 || h < 0 || w >= l.Width() || h >= l.Height() {
		return true
	}
	return l.Rows[w][h] == '#'
}

// ResetCells are D4RL's empty_and_goal_locations: the empty cells in sorted (w, h) order followed by
// the goal cell. Resets and random targets pick one uniformly.
func (l *Layout) ResetCells() []Cell {
	var cells []Cell
	for w := 0; w < l.Width(); w++ {
		for h := 0; h < l.Height(); h++ {
			if l.Rows[w][h] == 'O' {
				cells = append(cells, Cell{w, h})
			}
		}
	}
	sort.Slice(cells, func(i, j int) bool {
		return cells[i].W < cells[j].W || cells[i].W == cells[j].W && cells[i].H < cells[j].H
	})
	return append(cells, l.Goal)
}

// NormalizedScore is D4RL's 100 (return - RefMin) / (RefMax - RefMin).
func (l *Layout) NormalizedScore(ret float64) float64 {
	return 100 * (ret - l.RefMinScore) / (l.RefMaxScore - l.RefMinScore)
}

// CellAt returns the cell whose square [w-0.7, w+0.3) x [h-0.7, h+0.3) in the qpos frame contains (x, y)
// (a wall cell's box, see WallOffset), and whether that cell lies in the maze's grid.
func (l *Layout) CellAt(x, y float64) (Cell, bool) {
	if math.IsNaN(x) || math.IsNaN(y) {
		return Cell{}, false
	}
	fw, fh := math.Floor(x-WallOffset+0.5), math.Floor(y-WallOffset+0.5)
	if fw < 0 || fh < 0 || fw >= float64(l.Width()) || fh >= float64(l.Height()) {
		return Cell{}, false
	}
	return Cell{int(fw), int(fh)}, true
}

// InWall reports whether the point (x, y) of the qpos frame lies inside a wall cell's box or outside the
// maze (NaN counts as outside); a particle centre never does, a plan's point may.
func (l *Layout) InWall(x, y float64) bool {
	c, ok := l.CellAt(x, y)
	return !ok || l.Wall(c.W, c.H)
}

// CheckPositionRange compares a dataset's range of positions, lo and hi for (x, y) (e.g. a limits
// normaliser's), with the layout's free cells: in every D4RL maze each row and column of the grid's
// interior holds a free cell and the expert's data visit them all, so data of the maze reach the first
// and last free rows and columns and stay inside the walls around them (a free cell c spans
// [c-0.7, c+0.3] in the qpos frame, a particle centre [c-0.6, c+0.2]). An error means the data, and a
// model trained on them, belong to another maze.
func (l *Layout) CheckPositionRange(lo, hi []float64) error {
	if len(lo) < 2 || len(hi) < 2 {
		return fmt.Errorf("rl: a position range needs x and y, got %v..%v", lo, hi)
	}
	cells := l.ResetCells()
	first, last := [2]int{cells[0].W, cells[0].H}, [2]int{cells[0].W, cells[0].H}
	for _, c := range cells {
		first = [2]int{min(first[0], c.W), min(first[1], c.H)}
		last = [2]int{max(last[0], c.W), max(last[1], c.H)}
	}
	for k, name := range []string{"x", "y"} {
		a, b := float64(first[k]), float64(last[k])
		if lo[k] < a-0.7 || lo[k] > a+0.5 || hi[k] < b-0.5 || hi[k] > b+0.3 {
			return fmt.Errorf("the data cover %s in [%.2f, %.2f], but the free cells of the %s maze span %s in [%.1f, %.1f]: were they made in another maze?",
				name, lo[k], hi[k], l.Name, name, a-0.6, b+0.2)
		}
	}
	return nil
}

// CheckState checks a state or goal whose first two components are a position (x, y): every component
// finite, the position inside the maze's grid and outside its walls. Planners refuse such input before
// planning.
func (l *Layout) CheckState(what string, s []float64) error {
	for _, x := range s {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s %v is not finite", what, s)
		}
	}
	if len(s) < 2 {
		return fmt.Errorf("%s %v has no position", what, s)
	}
	if _, in := l.CellAt(s[0], s[1]); !in {
		return fmt.Errorf("%s (%v, %v) is outside the %s maze", what, s[0], s[1], l.Name)
	}
	if l.InWall(s[0], s[1]) {
		return fmt.Errorf("%s (%v, %v) is inside a wall of the %s maze", what, s[0], s[1], l.Name)
	}
	return nil
}
