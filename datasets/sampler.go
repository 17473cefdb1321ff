package datasets

import (
	"errors"
	"fmt"
)

// SamplerConfig configures a SegmentSampler.
type SamplerConfig struct {
	// Horizon is the window length H in steps.
	Horizon int
	// Columns are concatenated per step in this order. Default: actions then observations for
	// episodes (Diffuser's trajectories = concat([actions, observations], -1)), positions for
	// geometric data, state for fields.
	Columns []string
	// Normalizer is applied per column with the stored statistics.
	Normalizer NormalizerKind
	// MaxPathLength is Diffuser's max_path_length; 0 means the longest trajectory. A trajectory
	// longer than it is an error, as Diffuser's ReplayBuffer asserts.
	MaxPathLength int
	// NoPadding is Diffuser's use_padding=False: windows never extend past a trajectory's end.
	NoPadding bool
	// Discount > 0 computes each window's value, sum_k Discount^k r[start+k] over the rest of the
	// episode (Diffuser's ValueDataset). Episodes only.
	Discount float64
	// TerminationPenalty is added to the reward of the last step of episodes that end in a
	// terminal (Diffuser's ReplayBuffer); it enters the values only.
	TerminationPenalty float64
}

// Segment is one window: steps [Start, End) of trajectory (or episode) Trajectory.
type Segment struct {
	Trajectory, Start, End int
}

// SegmentSampler cuts fixed-horizon windows from every trajectory with Diffuser's index policy
// (jannerm/diffuser, datasets/sequence.py, make_indices): for a trajectory of length L,
//
//	max_start = min(L - 1, MaxPathLength - H)            (padding, the default)
//	max_start = min(max_start, L - H)                    (NoPadding)
//
// and windows start at 0, 1, ..., max_start - 1 (Python's range(max_start)). With padding a window
// may run past the end of its trajectory; those steps hold zeros in raw units, which are then
// normalised like any value (Diffuser stores episodes zero-padded to max_path_length and
// normalises the padded arrays), so a padded step reads normalize(0). Batch.Mask marks the steps
// inside the trajectory.
type SegmentSampler struct {
	cfg     SamplerConfig
	cols    []int
	widths  []int
	norms   []*Normalizer
	dim     int
	lengths []int
	index   []Segment
	views   [][]Tensor // [column][trajectory] per-step views [L, width]
	rewards []Tensor   // episodes with Discount > 0
	penalty []bool     // episode ends in a terminal
	disc    []float64  // Discount^k
}

// NewSegmentSampler indexes the windows of d.
func NewSegmentSampler(d *Dataset, cfg SamplerConfig) (*SegmentSampler, error) {
	if cfg.Horizon < 1 {
		return nil, fmt.Errorf("segment sampler: horizon %d must be >= 1", cfg.Horizon)
	}
	if len(cfg.Columns) == 0 {
		switch d.Kind() {
		case Episodes:
			cfg.Columns = []string{ColActions, ColObservations}
		case Geometric:
			cfg.Columns = []string{ColPositions}
		case Fields:
			cfg.Columns = []string{ColState}
		}
	}
	if cfg.Discount < 0 || cfg.Discount > 1 {
		return nil, fmt.Errorf("segment sampler: discount %v outside [0, 1]", cfg.Discount)
	}
	if cfg.Discount > 0 && d.Kind() != Episodes {
		return nil, errors.New("segment sampler: values (Discount > 0) need an episodes dataset")
	}
	s := &SegmentSampler{cfg: cfg}
	for _, name := range cfg.Columns {
		ci, err := d.colIndex(name)
		if err != nil {
			return nil, fmt.Errorf("segment sampler: %w", err)
		}
		w := d.stepWidth(d.cols[ci])
		if w == 0 {
			return nil, fmt.Errorf("segment sampler: column %q has no time axis (sequence columns: %v)", name, d.SequenceColumns())
		}
		nm, err := d.NormalizerFor(name, cfg.Normalizer)
		if err != nil {
			return nil, fmt.Errorf("segment sampler: %w", err)
		}
		s.cols = append(s.cols, ci)
		s.widths = append(s.widths, w)
		s.norms = append(s.norms, nm)
		s.dim += w
	}
	n := d.Len()
	s.lengths = make([]int, n)
	longest := 0
	for i := range s.lengths {
		s.lengths[i] = d.StepLen(i)
		longest = max(longest, s.lengths[i])
	}
	if s.cfg.MaxPathLength == 0 {
		s.cfg.MaxPathLength = longest
	}
	mpl := s.cfg.MaxPathLength
	for i, L := range s.lengths {
		if L > mpl {
			return nil, fmt.Errorf("segment sampler: trajectory %d has %d steps, more than MaxPathLength %d", i, L, mpl)
		}
		maxStart := min(L-1, mpl-cfg.Horizon)
		if cfg.NoPadding {
			maxStart = min(maxStart, L-cfg.Horizon)
		}
		for start := 0; start < maxStart; start++ {
			s.index = append(s.index, Segment{Trajectory: i, Start: start, End: start + cfg.Horizon})
		}
	}
	s.views = make([][]Tensor, len(s.cols))
	for k, name := range cfg.Columns {
		s.views[k] = make([]Tensor, n)
		for i := 0; i < n; i++ {
			v, err := d.Steps(i, name)
			if err != nil {
				return nil, fmt.Errorf("segment sampler: %w", err)
			}
			s.views[k][i] = v
		}
	}
	if cfg.Discount > 0 {
		s.rewards = make([]Tensor, n)
		s.penalty = make([]bool, n)
		for i := 0; i < n; i++ {
			ep, err := d.Episode(i)
			if err != nil {
				return nil, fmt.Errorf("segment sampler: %w", err)
			}
			s.rewards[i] = ep.Rewards
			s.penalty[i] = ep.Terminals[ep.Len-1]
		}
		s.disc = make([]float64, mpl)
		g := 1.0
		for k := range s.disc {
			s.disc[k] = g
			g *= cfg.Discount
		}
	}
	return s, nil
}

// Len returns the number of windows.
func (s *SegmentSampler) Len() int { return len(s.index) }

// Dim returns the values per step (the sum of the columns' per-step widths).
func (s *SegmentSampler) Dim() int { return s.dim }

// Horizon returns the window length.
func (s *SegmentSampler) Horizon() int { return s.cfg.Horizon }

// Segment returns window k.
func (s *SegmentSampler) Segment(k int) Segment { return s.index[k] }

// Normalizers returns the per-column normalisers, in Columns order, for unnormalising samples.
func (s *SegmentSampler) Normalizers() []*Normalizer { return s.norms }

// Columns returns the names of the columns concatenated per step, in order (the kind's default when
// SamplerConfig.Columns was empty).
func (s *SegmentSampler) Columns() []string { return append([]string(nil), s.cfg.Columns...) }

// Widths returns each column's values per step, in Columns order; they sum to Dim.
func (s *SegmentSampler) Widths() []int { return append([]int(nil), s.widths...) }

// Batch is a batch of windows, row-major.
type Batch struct {
	Size, Horizon, Dim int
	X                  []float32 // [Size, Horizon, Dim]
	Mask               []float32 // [Size, Horizon]: 1 inside the trajectory, 0 in padding
	Values             []float32 // [Size] when Discount > 0
	Segments           []Segment
}

// Fill writes the windows with the given indices into b, reusing its buffers.
func (s *SegmentSampler) Fill(b *Batch, windows []int) error {
	B, H, D := len(windows), s.cfg.Horizon, s.dim
	b.Size, b.Horizon, b.Dim = B, H, D
	b.X = grow(b.X, B*H*D)
	b.Mask = grow(b.Mask, B*H)
	b.Segments = b.Segments[:0]
	if s.cfg.Discount > 0 {
		b.Values = grow(b.Values, B)
	} else {
		b.Values = b.Values[:0]
	}
	for bi, k := range windows {
		if k < 0 || k >= len(s.index) {
			return fmt.Errorf("segment sampler: window %d out of range [0, %d)", k, len(s.index))
		}
		seg := s.index[k]
		b.Segments = append(b.Segments, seg)
		s.window(seg, b.X[bi*H*D:(bi+1)*H*D], b.Mask[bi*H:(bi+1)*H])
		if s.cfg.Discount > 0 {
			b.Values[bi] = float32(s.value(seg))
		}
	}
	return nil
}

// window fills out [H, Dim] and mask [H] for one segment.
func (s *SegmentSampler) window(seg Segment, out, mask []float32) {
	H, D := s.cfg.Horizon, s.dim
	L := s.lengths[seg.Trajectory]
	off := 0
	for k := range s.cols {
		w := s.widths[k]
		v := s.views[k][seg.Trajectory]
		for h := 0; h < H; h++ {
			t := seg.Start + h
			dst := out[h*D+off : h*D+off+w]
			switch {
			case t >= L:
				clear(dst)
			case v.f64 != nil:
				for j, x := range v.f64[t*w : (t+1)*w] {
					dst[j] = float32(x)
				}
			default:
				copy(dst, v.f32[t*w:(t+1)*w])
			}
			s.norms[k].Normalize(dst)
		}
		off += w
	}
	for h := range mask {
		mask[h] = 0
		if seg.Start+h < L {
			mask[h] = 1
		}
	}
}

// value is Diffuser's ValueDataset target: sum_k discount^k r[start+k] over the rest of the
// (zero-padded) episode, with the termination penalty on a terminal last step.
func (s *SegmentSampler) value(seg Segment) float64 {
	r := s.rewards[seg.Trajectory]
	L := s.lengths[seg.Trajectory]
	v := 0.0
	for t := seg.Start; t < L; t++ {
		x := r.At(t)
		if t == L-1 && s.penalty[seg.Trajectory] {
			x += s.cfg.TerminationPenalty
		}
		v += s.disc[t-seg.Start] * x
	}
	return v
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}
