package wavelet

import (
	"fmt"
	"strings"
)

// Plan is a multilevel N-D wavelet transform of arrays of one fixed shape, with its coefficients packed
// into a single array in PyWavelets' coeffs_to_array layout. It exposes the four linear maps a
// gradient-based model needs: Forward (wavedecn + pack), Inverse (unpack + waverecn) and their
// adjoints (transposes). A Plan is immutable and safe for concurrent use.
type Plan[T Float] struct {
	fl       *filters[T]
	mode     Mode
	level    int
	axes     []int
	shapes   [][]int // shapes[0]: signal; shapes[i]: every band at level i
	layout   *Layout
	recShape []int   // shape of Inverse's output
	recFull  [][]int // recFull[i]: untrimmed output of the reconstruction from level i (i >= 1)
	cfg      config
}

// NewPlan prepares the transform of arrays of the given shape over the given axes (nil: all) to the
// given level (MaxLevel: the deepest useful one, DwtnMaxLevel). Deeper levels are accepted as in
// Wavedecn, with boundary effects; Inverse still inverts them.
func NewPlan[T Float](shape []int, wavelet, mode string, level int, axes []int, opts ...Option) (*Plan[T], error) {
	w, m, err := resolve("NewPlan", wavelet, mode)
	if err != nil {
		return nil, err
	}
	if _, err := shapeSize(shape); err != nil {
		return nil, fmt.Errorf("NewPlan: %w", err)
	}
	ax, err := normAxes(axes, len(shape))
	if err != nil {
		return nil, fmt.Errorf("NewPlan: %w", err)
	}
	level, err = ndLevel(shape, ax, w, level)
	if err != nil {
		return nil, fmt.Errorf("NewPlan: %w", err)
	}
	p := &Plan[T]{fl: newFilters[T](w), mode: m, level: level, axes: ax, cfg: newConfig(opts)}
	f := w.DecLen()
	p.shapes = [][]int{append([]int(nil), shape...)}
	for i := 1; i <= level; i++ {
		prev := p.shapes[i-1]
		s := append([]int(nil), prev...)
		for _, a := range ax {
			if err := checkSignalLen(prev[a], m); err != nil {
				return nil, fmt.Errorf("NewPlan: level %d: %w", i, err)
			}
			s[a] = dwtLen(prev[a], f, m)
		}
		p.shapes = append(p.shapes, s)
	}
	details := make([]map[string][]int, level)
	approxKey := strings.Repeat("a", len(ax))
	for i := 0; i < level; i++ {
		details[i] = map[string][]int{}
		for _, k := range bandKeys(len(ax)) {
			if k != approxKey {
				details[i][k] = p.shapes[level-i]
			}
		}
	}
	if p.layout, err = computeLayout(p.shapes[level], details, ax); err != nil {
		return nil, fmt.Errorf("NewPlan: %w", err)
	}
	p.recFull = make([][]int, level+1)
	p.recShape = append([]int(nil), p.shapes[level]...)
	for i := level; i >= 1; i-- {
		s := append([]int(nil), p.shapes[i]...)
		for _, a := range ax {
			s[a] = idwtLen(p.shapes[i][a], f, m)
		}
		p.recFull[i] = s
		p.recShape = s
	}
	return p, nil
}

// Level is the number of decomposition levels.
func (p *Plan[T]) Level() int { return p.level }

// Axes are the transformed axes (normalised).
func (p *Plan[T]) Axes() []int { return append([]int(nil), p.axes...) }

// SignalShape is the shape Forward accepts.
func (p *Plan[T]) SignalShape() []int { return append([]int(nil), p.shapes[0]...) }

// PackedShape is the shape of the packed coefficient array.
func (p *Plan[T]) PackedShape() []int { return append([]int(nil), p.layout.Shape...) }

// ReconstructionShape is the shape Inverse returns: the signal shape, except along axes where
// PyWavelets' waverecn returns one extra sample (odd extents in periodization mode).
func (p *Plan[T]) ReconstructionShape() []int { return append([]int(nil), p.recShape...) }

// Layout describes where each band sits in the packed array.
func (p *Plan[T]) Layout() *Layout { return p.layout }

func checkLen[T Float](x []T, shape []int, what string) error {
	n, _ := shapeSize(shape)
	if len(x) != n {
		return fmt.Errorf("wavelet: %s has %d values, expected %d for shape %v", what, len(x), n, shape)
	}
	return nil
}

// Forward computes wavedecn of x (row-major, SignalShape) and packs it (PackedShape).
func (p *Plan[T]) Forward(x []T) ([]T, error) {
	if err := checkLen(x, p.shapes[0], "signal"); err != nil {
		return nil, err
	}
	c, err := wavedecn(&Array[T]{Shape: p.shapes[0], Data: x}, p.fl, p.mode, p.level, p.axes, p.cfg)
	if err != nil {
		return nil, err
	}
	return p.pack(c), nil
}

func (p *Plan[T]) pack(c *CoeffsN[T]) []T {
	n, _ := shapeSize(p.layout.Shape)
	out := make([]T, n)
	packInto(c, p.layout, out)
	return out
}

func (p *Plan[T]) unpack(y []T) *CoeffsN[T] {
	arr := &Array[T]{Shape: p.layout.Shape, Data: y}
	c, err := ArrayToCoeffs(arr, p.layout)
	if err != nil {
		panic(err) // the layout was computed for this shape
	}
	return c
}

// ForwardAdjoint applies the transpose of Forward to a packed gradient g, giving a gradient of
// SignalShape. Positions of the packed array that hold no coefficient are ignored.
func (p *Plan[T]) ForwardAdjoint(g []T) ([]T, error) {
	if err := checkLen(g, p.layout.Shape, "packed gradient"); err != nil {
		return nil, err
	}
	c := p.unpack(g)
	ga := c.Approx
	approxKey := strings.Repeat("a", len(p.axes))
	for lvl := p.level; lvl >= 1; lvl-- {
		bands := make(map[string]*Array[T], 1<<len(p.axes))
		for k, v := range c.Details[p.level-lvl] {
			bands[k] = v
		}
		bands[approxKey] = ga
		ga = dwtnAdjoint(bands, p.shapes[lvl-1], p.fl, p.mode, p.axes, p.cfg)
	}
	if p.level == 0 {
		return append([]T(nil), ga.Data...), nil
	}
	return ga.Data, nil
}

// Inverse unpacks y (PackedShape) and reconstructs with waverecn (ReconstructionShape).
func (p *Plan[T]) Inverse(y []T) ([]T, error) {
	if err := checkLen(y, p.layout.Shape, "packed coefficients"); err != nil {
		return nil, err
	}
	c := p.unpack(y)
	if p.level == 0 {
		return c.Approx.Data, nil
	}
	out, err := waverecn(c, p.fl, p.mode, p.axes, p.cfg)
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}

// InverseAdjoint applies the transpose of Inverse to a gradient of ReconstructionShape, giving a packed
// gradient (zero where the packed array holds no coefficient).
func (p *Plan[T]) InverseAdjoint(g []T) ([]T, error) {
	if err := checkLen(g, p.recShape, "reconstruction gradient"); err != nil {
		return nil, err
	}
	if p.level == 0 {
		return append([]T(nil), g...), nil
	}
	c := &CoeffsN[T]{Details: make([]map[string]*Array[T], p.level)}
	approxKey := strings.Repeat("a", len(p.axes))
	ga := &Array[T]{Shape: p.recShape, Data: g}
	for lvl := 1; lvl <= p.level; lvl++ {
		// waverecn cropped the reconstruction from level lvl+1 to this level's band shape.
		ga = zeroPad(ga, p.recFull[lvl])
		bands := idwtnAdjoint(ga, p.shapes[lvl], p.fl, p.mode, p.axes, p.cfg)
		ga = bands[approxKey]
		delete(bands, approxKey)
		c.Details[p.level-lvl] = bands
	}
	c.Approx = ga
	return p.pack(c), nil
}
