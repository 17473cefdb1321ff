package train

import (
	"fmt"
	"math"
	"slices"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/nn"
)

// Edge attribute kinds of DataConfig.EdgeAttr.
const (
	EdgeAttrNone      = "none"      // no edge attributes
	EdgeAttrProduct   = "product"   // e_ij = f_i f_j of width-1 node features (charged: q_i q_j)
	EdgeAttrAdjacency = "adjacency" // 1 where the trajectory's edge list joins i and j (springs), else 0
	// EdgeAttrHops is GeoTDM's MD17 edge attribute, 4 values per edge: onehot(hop-1, 4) where hop is the
	// number of bonds between i and j in the bond graph of the trajectory's frame 0 (a bond joins atoms at
	// most HopBondLength apart), for hop 1..3 (the fourth value stays 0, as in GeoTDM); zeros for atoms
	// further apart or in other components. Deviations: GeoTDM (fc = False, its default) passes messages
	// only along edges within 3 hops, while the EGTN stays fully connected, so here the other pairs still
	// exchange messages, with an all-zero attribute; and GeoTDM takes the bonds from the first frame of the
	// whole MD trajectory, here from the first frame of each stored trajectory (the same bonds unless a
	// bond length crosses 1.6 A).
	EdgeAttrHops = "hops"
)

// HopBondLength is the distance up to which EdgeAttrHops counts two atoms as bonded: GeoTDM's 1.6
// (Angstrom, MD17's unit; the layout applies it to whatever unit the positions are in).
const HopBondLength = 1.6

// maxHops is the longest bond path EdgeAttrHops encodes (its width).
const maxHops = 3

// GeometricLayout is how a geometric trajectory becomes one training example of a GeoTDM-style network:
// the target frames' positions are the example x0, and the condition vector holds the condition frames'
// positions, the node features and the edge attributes in the layout nn.EGTNConfig documents. Net is
// the network's configuration (or, for another architecture, a description of the same layout); only its
// frames, sizes and feature widths matter here.
type GeometricLayout struct {
	Net      nn.EGTNConfig
	EdgeAttr string // EdgeAttrNone, EdgeAttrProduct or EdgeAttrAdjacency
}

// NewGeometricLayout checks that the edge attribute kind fits cfg's widths: product and adjacency give
// one value per edge, none gives nothing, so EdgeFeatures must be 1 or 0 accordingly (a width the data
// cannot fill would be a silently constant input).
func NewGeometricLayout(cfg nn.EGTNConfig, edgeAttr string) (GeometricLayout, error) {
	if edgeAttr == "" {
		edgeAttr = EdgeAttrNone
	}
	l := GeometricLayout{Net: cfg, EdgeAttr: edgeAttr}
	switch {
	case cfg.Nodes < 1 || cfg.SpatialDim < 1:
		return l, fmt.Errorf("train: geometric layout of %d nodes in %d dimensions", cfg.Nodes, cfg.SpatialDim)
	case len(cfg.TargetFrames) == 0:
		return l, fmt.Errorf("train: geometric layout without target frames")
	case cfg.NodeFeatures < 0:
		return l, fmt.Errorf("train: geometric layout with %d node features", cfg.NodeFeatures)
	}
	all := append(slices.Clone(cfg.CondFrames), cfg.TargetFrames...)
	for _, f := range all {
		if f < 0 {
			return l, fmt.Errorf("train: geometric layout frame index %d is negative", f)
		}
	}
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(all) {
		return l, fmt.Errorf("train: geometric layout frames %v and %v repeat a frame", cfg.CondFrames, cfg.TargetFrames)
	}
	switch edgeAttr {
	case EdgeAttrNone:
		if cfg.EdgeFeatures != 0 {
			return l, fmt.Errorf("train: data.edge_attr none gives no edge attributes, the network takes %d per edge", cfg.EdgeFeatures)
		}
	case EdgeAttrProduct, EdgeAttrAdjacency:
		if cfg.EdgeFeatures != 1 {
			return l, fmt.Errorf("train: data.edge_attr %s gives 1 value per edge, the network takes %d", edgeAttr, cfg.EdgeFeatures)
		}
		if edgeAttr == EdgeAttrProduct && cfg.NodeFeatures != 1 {
			return l, fmt.Errorf("train: data.edge_attr product multiplies width-1 node features, the network takes %d", cfg.NodeFeatures)
		}
	case EdgeAttrHops:
		if cfg.EdgeFeatures != maxHops+1 {
			return l, fmt.Errorf("train: data.edge_attr hops gives %d values per edge (onehot(hop-1, 4)), the network takes %d", maxHops+1, cfg.EdgeFeatures)
		}
	default:
		return l, fmt.Errorf("train: unknown data.edge_attr %q (want none, product, adjacency or hops)", edgeAttr)
	}
	return l, nil
}

// Dim is the length of an example: the target frames' positions.
func (l GeometricLayout) Dim() int { return l.Net.Dim() }

// CondDim is the length of the condition vector.
func (l GeometricLayout) CondDim() int { return l.Net.CondDim() }

// frames is the number of stored frames the layout reads: one past its largest frame index.
func (l GeometricLayout) frames() int {
	return slices.Max(append(slices.Clone(l.Net.CondFrames), l.Net.TargetFrames...)) + 1
}

// Validate reports a dataset whose trajectories the layout cannot read: one without positions, with
// another node count or spatial dimension, too few frames, node features of another width (a dataset
// without node features serves a width-1 layout with constant ones, GeoTDM's h = 1), or without the
// edge lists that adjacency attributes need.
func (l GeometricLayout) Validate(spec datasets.GeometricSpec) error {
	c := l.Net
	switch {
	case spec.Frames < 1 || spec.Nodes < 1 || spec.SpatialDim < 1:
		return fmt.Errorf("train: the dataset has no positions (frames %d, nodes %d, spatial dim %d)", spec.Frames, spec.Nodes, spec.SpatialDim)
	case spec.Nodes != c.Nodes:
		return fmt.Errorf("train: the dataset has %d nodes, the network takes %d", spec.Nodes, c.Nodes)
	case spec.SpatialDim != c.SpatialDim:
		return fmt.Errorf("train: the dataset is %d-dimensional, the network takes %d dimensions", spec.SpatialDim, c.SpatialDim)
	case spec.Frames < l.frames():
		return fmt.Errorf("train: the dataset has %d frames, the network reads frame index %d", spec.Frames, l.frames()-1)
	}
	switch {
	case spec.NodeFeatureDim == c.NodeFeatures:
	case spec.NodeFeatureDim == 0 && c.NodeFeatures == 1: // constant ones
	default:
		return fmt.Errorf("train: the dataset has %d node features %v, the network takes %d", spec.NodeFeatureDim, spec.NodeFeatureNames, c.NodeFeatures)
	}
	switch l.EdgeAttr {
	case EdgeAttrProduct:
		if c.NodeFeatures != 1 {
			return fmt.Errorf("train: edge attribute product needs width-1 node features, the network takes %d", c.NodeFeatures)
		}
	case EdgeAttrAdjacency:
		if !spec.Edges {
			return fmt.Errorf("train: edge attribute adjacency needs the dataset's edges column, which it lacks")
		}
	}
	return nil
}

// Pack fills x0 (Dim values: the target frames, [frame][node][dim]) and cond (CondDim values: condition
// frames, node features, edge attributes; see nn.EGTNConfig) from trajectory v, whose dataset passed
// Validate. Coordinates and node features must be finite: the error names the trajectory's index.
func (l GeometricLayout) Pack(v datasets.GeometricView, x0, cond []float64) error {
	c := l.Net
	N, D := c.Nodes, c.SpatialDim
	if len(x0) != l.Dim() || len(cond) != l.CondDim() {
		return fmt.Errorf("train: packing trajectory %d into %d and %d values, want %d and %d", v.Index, len(x0), len(cond), l.Dim(), l.CondDim())
	}
	ps := v.Positions.Shape
	if len(ps) != 3 || ps[1] != N || ps[2] != D || ps[0] < l.frames() {
		return fmt.Errorf("train: trajectory %d has positions of shape %v, want [>= %d, %d, %d]", v.Index, ps, l.frames(), N, D)
	}
	copyFrames := func(dst []float64, frames []int) error {
		for k, f := range frames {
			for j := 0; j < N*D; j++ {
				x := v.Positions.At(f*N*D + j)
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return fmt.Errorf("train: trajectory %d: position of node %d at frame %d is %v", v.Index, j/D, f, x)
				}
				dst[k*N*D+j] = x
			}
		}
		return nil
	}
	if err := copyFrames(x0, c.TargetFrames); err != nil {
		return err
	}
	o := len(c.CondFrames) * N * D
	if err := copyFrames(cond[:o], c.CondFrames); err != nil {
		return err
	}
	F := c.NodeFeatures
	feat := cond[o : o+N*F]
	switch n := v.NodeFeatures.Len(); {
	case n == N*F:
		for i := range feat {
			feat[i] = v.NodeFeatures.At(i)
			if math.IsNaN(feat[i]) || math.IsInf(feat[i], 0) {
				return fmt.Errorf("train: trajectory %d: node feature %d of node %d is %v", v.Index, i%F, i/F, feat[i])
			}
		}
	case n == 0 && F == 1:
		for i := range feat {
			feat[i] = 1
		}
	default:
		return fmt.Errorf("train: trajectory %d has %d node feature values, want %d nodes x %d", v.Index, n, N, F)
	}
	o += N * F
	edges := cond[o:]
	switch l.EdgeAttr {
	case EdgeAttrProduct:
		forEdges(N, func(e, i, j int) { edges[e] = feat[i] * feat[j] })
	case EdgeAttrAdjacency:
		if len(v.Edges)%2 != 0 {
			return fmt.Errorf("train: trajectory %d has an edge list of odd length %d", v.Index, len(v.Edges))
		}
		adj := make([]bool, N*N)
		for k := 0; k < len(v.Edges); k += 2 {
			a, b := int(v.Edges[k]), int(v.Edges[k+1])
			if a < 0 || a >= N || b < 0 || b >= N {
				return fmt.Errorf("train: trajectory %d: edge (%d, %d) outside %d nodes", v.Index, a, b, N)
			}
			adj[a*N+b], adj[b*N+a] = true, true
		}
		forEdges(N, func(e, i, j int) {
			edges[e] = 0
			if adj[i*N+j] {
				edges[e] = 1
			}
		})
	case EdgeAttrHops:
		hops := bondHops(v.Positions, N, D)
		W := maxHops + 1
		forEdges(N, func(e, i, j int) {
			at := edges[e*W : (e+1)*W]
			clear(at)
			if h := hops[i*N+j]; h >= 1 && h <= maxHops {
				at[h-1] = 1
			}
		})
	}
	return nil
}

// bondHops returns the bond-graph distances between the n nodes of frame 0 of pos ([frames][n][d],
// checked finite by the caller): a bond joins nodes at most HopBondLength apart (GeoTDM's transform
// tests d <= 1.6); -1 marks no path.
func bondHops(pos datasets.Tensor, n, d int) []int {
	bonded := make([]bool, n*n)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			r2 := 0.0
			for k := 0; k < d; k++ {
				dx := pos.At(i*d+k) - pos.At(j*d+k)
				r2 += dx * dx
			}
			if r2 <= HopBondLength*HopBondLength {
				bonded[i*n+j], bonded[j*n+i] = true, true
			}
		}
	}
	hops := make([]int, n*n)
	queue := make([]int, 0, n)
	for s := 0; s < n; s++ {
		row := hops[s*n : (s+1)*n]
		for i := range row {
			row[i] = -1
		}
		row[s] = 0
		queue = append(queue[:0], s)
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for w := 0; w < n; w++ {
				if bonded[u*n+w] && row[w] < 0 {
					row[w] = row[u] + 1
					queue = append(queue, w)
				}
			}
		}
	}
	return hops
}

// forEdges visits the directed edges of nn.EGTNConfig's layout: edge e = i*(n-1)+k from node j to node
// i, j = k for k < i and k+1 otherwise.
func forEdges(n int, f func(e, i, j int)) {
	for i := 0; i < n; i++ {
		for k := 0; k < n-1; k++ {
			j := k
			if k >= i {
				j = k + 1
			}
			f(i*(n-1)+k, i, j)
		}
	}
}

// GeometricSource serves the examples of a geometric dataset under a layout in the seeded shuffled batch
// order of datasets.BatchIterator (epochs without replacement), so step s always gets the same batch and
// a resumed run is bit-identical to an uninterrupted one. Every trajectory is packed once when the source
// is built (a few MB for GeoTDM's 3000 training systems), which also rejects a bad trajectory before the
// first step rather than hours into a run. Coordinates stay raw: GeoTDM does not normalise.
type GeometricSource struct {
	layout GeometricLayout
	n      int
	x0, c  []float64 // packed examples
	cfg    datasets.BatchConfig
	order  stepOrder
}

// NewGeometricSource packs every trajectory of ds (a geometric dataset that passes layout.Validate) for
// batches of batchSize shuffled with seed.
func NewGeometricSource(ds *datasets.Dataset, layout GeometricLayout, batchSize int, seed uint64) (*GeometricSource, error) {
	meta := ds.Metadata()
	if meta.Kind != datasets.Geometric || meta.Geometric == nil {
		return nil, fmt.Errorf("train: data.kind geometric needs a geometric dataset, got %v", meta.Kind)
	}
	if err := layout.Validate(*meta.Geometric); err != nil {
		return nil, err
	}
	if ds.Len() < 1 {
		return nil, fmt.Errorf("train: the geometric dataset has no trajectories")
	}
	if batchSize < 1 {
		return nil, fmt.Errorf("train: batch size %d", batchSize)
	}
	n, D, C := ds.Len(), layout.Dim(), layout.CondDim()
	s := &GeometricSource{layout: layout, n: n, x0: make([]float64, n*D), c: make([]float64, n*C),
		cfg: datasets.BatchConfig{BatchSize: batchSize, Seed: seed, DropLast: n >= batchSize}}
	for i := 0; i < n; i++ {
		v, err := ds.Trajectory(i)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		if err := layout.Pack(v, s.x0[i*D:(i+1)*D], s.c[i*C:(i+1)*C]); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *GeometricSource) Dim() int     { return s.layout.Dim() }
func (s *GeometricSource) CondDim() int { return s.layout.CondDim() }

// Len is the number of trajectories.
func (s *GeometricSource) Len() int { return s.n }

func (s *GeometricSource) Batch(step int, x0, cond []float64) error {
	idx, err := s.order.at(step, func() (*datasets.BatchIterator, error) {
		it, err := datasets.NewBatchIterator(s.n, s.cfg)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		return it, nil
	})
	if err != nil {
		return err
	}
	D, C, B := s.Dim(), s.CondDim(), s.cfg.BatchSize
	if len(x0) != B*D || len(cond) != B*C {
		return fmt.Errorf("train: batch of %d and %d values, want %d and %d", len(x0), len(cond), B*D, B*C)
	}
	// A short final batch (only when the dataset is smaller than a batch) repeats trajectories.
	for b := 0; b < B; b++ {
		i := idx[b%len(idx)]
		copy(x0[b*D:(b+1)*D], s.x0[i*D:(i+1)*D])
		copy(cond[b*C:(b+1)*C], s.c[i*C:(i+1)*C])
	}
	return nil
}
