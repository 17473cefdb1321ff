package datasets

import (
	"fmt"
	"strings"
)

// SchemaVersion is the version of the layout described in docs/datasets.md. Readers reject files
// with another version rather than guess.
const SchemaVersion = 1

// Schema metadata keys. Every value is a UTF-8 string; the structured ones hold compact JSON.
const (
	KeySchemaVersion = "trajdiff.schema_version" // "1"
	KeyKind          = "trajdiff.kind"           // "episodes" | "geometric" | "fields"
	KeyDType         = "trajdiff.dtype"          // "float32" | "float64"
	KeySpec          = "trajdiff.spec"           // JSON shapes, see EpisodeSpec, GeometricSpec, FieldSpec
	KeyUnits         = "trajdiff.units"          // JSON {column: unit}
	KeyGenerator     = "trajdiff.generator"      // JSON Generator
	KeyStats         = "trajdiff.stats"          // JSON {column: ColumnStats}
	KeyDescription   = "trajdiff.description"    // free text
)

// Column names.
const (
	ColEpisode      = "episode"
	ColStep         = "step"
	ColObservations = "observations"
	ColActions      = "actions"
	ColRewards      = "rewards"
	ColTerminals    = "terminals"
	ColTimeouts     = "timeouts"
	InfoPrefix      = "infos/" // episodes: one column per info, "infos/<name>"

	ColTrajectory   = "trajectory"
	ColPositions    = "positions"
	ColVelocities   = "velocities"
	ColForces       = "forces"
	ColEnergies     = "energies"
	ColNodeFeatures = "node_features"
	ColEdges        = "edges"
	ColParams       = "params"

	ColState   = "state"
	ColControl = "control"
)

// EpisodeSpec fixes the per-step shapes of an episodes dataset.
type EpisodeSpec struct {
	ObservationDim int        `json:"observation_dim"`
	ActionDim      int        `json:"action_dim"`
	Infos          []InfoSpec `json:"infos,omitempty"`
}

// InfoSpec is one per-step info column (D4RL's infos/<name>, e.g. goal, qpos, qvel).
type InfoSpec struct {
	Name string `json:"name"`
	Dim  int    `json:"dim"`
}

// GeometricSpec fixes the shapes of a geometric-trajectory dataset: every row holds one trajectory
// of Frames frames of Nodes nodes in SpatialDim dimensions.
type GeometricSpec struct {
	Frames           int      `json:"frames"`
	Nodes            int      `json:"nodes"`
	SpatialDim       int      `json:"spatial_dim"`
	NodeFeatureDim   int      `json:"node_feature_dim,omitempty"` // 0: no node_features column
	ParamDim         int      `json:"param_dim,omitempty"`        // 0: no params column
	Velocities       bool     `json:"velocities,omitempty"`
	Forces           bool     `json:"forces,omitempty"`
	Energies         bool     `json:"energies,omitempty"`
	Edges            bool     `json:"edges,omitempty"`
	Dt               float64  `json:"dt,omitempty"` // time between frames
	NodeFeatureNames []string `json:"node_feature_names,omitempty"`
	ParamNames       []string `json:"param_names,omitempty"`
}

// FieldSpec fixes the shapes of a PDE field dataset: every row holds one trajectory, the state as
// Frames x Grid[0] x ... x StateChannels in row-major order, the control likewise.
type FieldSpec struct {
	Frames          int          `json:"frames"`
	Grid            []int        `json:"grid"`
	StateChannels   int          `json:"state_channels"`
	ControlChannels int          `json:"control_channels,omitempty"` // 0: no control column
	ParamDim        int          `json:"param_dim,omitempty"`        // 0: no params column
	Dt              float64      `json:"dt,omitempty"`
	Extent          [][2]float64 `json:"extent,omitempty"` // physical [lo, hi] per grid axis
	StateNames      []string     `json:"state_names,omitempty"`
	ControlNames    []string     `json:"control_names,omitempty"`
	ParamNames      []string     `json:"param_names,omitempty"`
}

// GridPoints is the number of grid points, the product of Grid.
func (s *FieldSpec) GridPoints() int {
	n := 1
	for _, g := range s.Grid {
		n *= g
	}
	return n
}

// colType is the Arrow type family of a column.
type colType int

const (
	colTensor  colType = iota // fixed-size list of float32/float64 (width elements)
	colScalar                 // float32/float64 scalar
	colInt64                  // int64 scalar (episode or trajectory id)
	colInt32                  // int32 scalar (step)
	colBool                   // boolean scalar
	colIndices                // variable-size list of int32 (edges)
)

// column describes one column of a kind's schema.
type column struct {
	name     string
	typ      colType
	width    int   // elements per row (tensor) or 1 (scalars)
	rowShape []int // shape of one row's tensor (product = width); the last axis is the feature axis
}

// featureDim is the size of the last axis: normaliser statistics are kept per component of it.
func (c column) featureDim() int {
	if len(c.rowShape) == 0 {
		return 1
	}
	return c.rowShape[len(c.rowShape)-1]
}

// isFloat reports whether the column holds floating-point data (tensors and scalars).
func (c column) isFloat() bool { return c.typ == colTensor || c.typ == colScalar }

func (s *EpisodeSpec) check() error {
	if s.ObservationDim < 1 || s.ActionDim < 1 {
		return fmt.Errorf("episode spec: observation_dim %d and action_dim %d must be >= 1", s.ObservationDim, s.ActionDim)
	}
	seen := map[string]bool{}
	for _, in := range s.Infos {
		if in.Name == "" || strings.ContainsAny(in.Name, "\x00") || in.Dim < 1 {
			return fmt.Errorf("episode spec: info %q must have a non-empty name and dim >= 1 (got %d)", in.Name, in.Dim)
		}
		if seen[in.Name] {
			return fmt.Errorf("episode spec: duplicate info %q", in.Name)
		}
		seen[in.Name] = true
	}
	return nil
}

func (s *EpisodeSpec) columns() []column {
	cols := []column{
		{name: ColEpisode, typ: colInt64, width: 1},
		{name: ColStep, typ: colInt32, width: 1},
		{name: ColObservations, typ: colTensor, width: s.ObservationDim, rowShape: []int{s.ObservationDim}},
		{name: ColActions, typ: colTensor, width: s.ActionDim, rowShape: []int{s.ActionDim}},
		{name: ColRewards, typ: colScalar, width: 1},
		{name: ColTerminals, typ: colBool, width: 1},
		{name: ColTimeouts, typ: colBool, width: 1},
	}
	for _, in := range s.Infos {
		cols = append(cols, column{name: InfoPrefix + in.Name, typ: colTensor, width: in.Dim, rowShape: []int{in.Dim}})
	}
	return cols
}

// maxElements bounds the elements of one fixed-size list row: Arrow's list size is an int32.
const maxElements = 1<<31 - 1

func checkProduct(what string, dims ...int) error {
	p := 1
	for _, d := range dims {
		if d < 1 {
			return fmt.Errorf("%s: dimensions %v must all be >= 1", what, dims)
		}
		if p > maxElements/d {
			return fmt.Errorf("%s: %v has more than 2^31-1 elements per row", what, dims)
		}
		p *= d
	}
	return nil
}

func (s *GeometricSpec) check() error {
	if err := checkProduct("geometric spec frames x nodes x spatial_dim", s.Frames, s.Nodes, s.SpatialDim); err != nil {
		return err
	}
	if s.SpatialDim > 3 {
		return fmt.Errorf("geometric spec: spatial_dim %d must be 1, 2 or 3", s.SpatialDim)
	}
	if s.NodeFeatureDim < 0 || s.ParamDim < 0 {
		return fmt.Errorf("geometric spec: node_feature_dim %d and param_dim %d must be >= 0", s.NodeFeatureDim, s.ParamDim)
	}
	if s.NodeFeatureDim > 0 {
		if err := checkProduct("geometric spec nodes x node_feature_dim", s.Nodes, s.NodeFeatureDim); err != nil {
			return err
		}
	}
	if n := len(s.NodeFeatureNames); n != 0 && n != s.NodeFeatureDim {
		return fmt.Errorf("geometric spec: %d node_feature_names for node_feature_dim %d", n, s.NodeFeatureDim)
	}
	if n := len(s.ParamNames); n != 0 && n != s.ParamDim {
		return fmt.Errorf("geometric spec: %d param_names for param_dim %d", n, s.ParamDim)
	}
	return nil
}

func (s *GeometricSpec) columns() []column {
	T, N, D := s.Frames, s.Nodes, s.SpatialDim
	cols := []column{
		{name: ColTrajectory, typ: colInt64, width: 1},
		{name: ColPositions, typ: colTensor, width: T * N * D, rowShape: []int{T, N, D}},
	}
	if s.Velocities {
		cols = append(cols, column{name: ColVelocities, typ: colTensor, width: T * N * D, rowShape: []int{T, N, D}})
	}
	if s.Forces {
		cols = append(cols, column{name: ColForces, typ: colTensor, width: T * N * D, rowShape: []int{T, N, D}})
	}
	if s.Energies {
		cols = append(cols, column{name: ColEnergies, typ: colTensor, width: T, rowShape: []int{T, 1}})
	}
	if s.NodeFeatureDim > 0 {
		cols = append(cols, column{name: ColNodeFeatures, typ: colTensor, width: N * s.NodeFeatureDim, rowShape: []int{N, s.NodeFeatureDim}})
	}
	if s.Edges {
		cols = append(cols, column{name: ColEdges, typ: colIndices, width: 0})
	}
	if s.ParamDim > 0 {
		cols = append(cols, column{name: ColParams, typ: colTensor, width: s.ParamDim, rowShape: []int{s.ParamDim}})
	}
	return cols
}

func (s *FieldSpec) check() error {
	if len(s.Grid) < 1 || len(s.Grid) > 3 {
		return fmt.Errorf("field spec: grid %v must have 1, 2 or 3 axes", s.Grid)
	}
	dims := append([]int{s.Frames}, s.Grid...)
	if err := checkProduct("field spec frames x grid x state_channels", append(dims, s.StateChannels)...); err != nil {
		return err
	}
	if s.ControlChannels < 0 || s.ParamDim < 0 {
		return fmt.Errorf("field spec: control_channels %d and param_dim %d must be >= 0", s.ControlChannels, s.ParamDim)
	}
	if s.ControlChannels > 0 {
		if err := checkProduct("field spec frames x grid x control_channels", append(dims, s.ControlChannels)...); err != nil {
			return err
		}
	}
	if n := len(s.Extent); n != 0 && n != len(s.Grid) {
		return fmt.Errorf("field spec: %d extents for a %d-axis grid", n, len(s.Grid))
	}
	if n := len(s.StateNames); n != 0 && n != s.StateChannels {
		return fmt.Errorf("field spec: %d state_names for %d state channels", n, s.StateChannels)
	}
	if n := len(s.ControlNames); n != 0 && n != s.ControlChannels {
		return fmt.Errorf("field spec: %d control_names for %d control channels", n, s.ControlChannels)
	}
	if n := len(s.ParamNames); n != 0 && n != s.ParamDim {
		return fmt.Errorf("field spec: %d param_names for param_dim %d", n, s.ParamDim)
	}
	return nil
}

func (s *FieldSpec) columns() []column {
	shape := func(c int) []int {
		sh := append([]int{s.Frames}, s.Grid...)
		return append(sh, c)
	}
	G := s.GridPoints()
	cols := []column{
		{name: ColTrajectory, typ: colInt64, width: 1},
		{name: ColState, typ: colTensor, width: s.Frames * G * s.StateChannels, rowShape: shape(s.StateChannels)},
	}
	if s.ControlChannels > 0 {
		cols = append(cols, column{name: ColControl, typ: colTensor, width: s.Frames * G * s.ControlChannels, rowShape: shape(s.ControlChannels)})
	}
	if s.ParamDim > 0 {
		cols = append(cols, column{name: ColParams, typ: colTensor, width: s.ParamDim, rowShape: []int{s.ParamDim}})
	}
	return cols
}
