package train

import (
	"fmt"
	"math/rand/v2"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/internal/stream"
)

// Source provides the clean examples of every training step.
type Source interface {
	Dim() int     // values per example
	CondDim() int // condition values per example, 0 for unconditional training
	// Batch fills x0 (batch*Dim values) and cond (batch*CondDim values; nil when CondDim is 0) with the
	// examples of step. A step must always give the same examples: resuming a run depends on it.
	Batch(step int, x0, cond []float64) error
}

// SamplerSource serves windows of a dataset through a datasets.SegmentSampler and its seeded shuffled
// batch order (Diffuser's make_indices windows, normalised). Step s gets the s-th batch of the order, so a
// resumed run sees the batches it would have seen.
type SamplerSource struct {
	sampler *datasets.SegmentSampler
	cfg     datasets.BatchConfig
	order   stepOrder
	batch   datasets.Batch
	full    []int         // the batch's window indices, reused
	cond    []int         // flattened window positions of the condition entries (-1: an episode-derived item)
	derived [][][]float64 // per condition item: nil for a window entry, else [episode][step] values (training units)
}

// WindowEntry is one value of a window: transition component C at step T (negative T counts from the end).
type WindowEntry struct{ T, C int }

// ParseWindowEntry reads "T:C".
func ParseWindowEntry(s string) (WindowEntry, error) {
	var e WindowEntry
	if _, err := fmt.Sscanf(s, "%d:%d", &e.T, &e.C); err != nil {
		return e, fmt.Errorf("train: window entry %q: want STEP:COMPONENT, e.g. -1:2", s)
	}
	return e, nil
}

// Index is the entry's position in a flattened window of the given horizon and transition size.
func (e WindowEntry) Index(horizon, transition int) (int, error) {
	t := e.T
	if t < 0 {
		t += horizon
	}
	if t < 0 || t >= horizon || e.C < 0 || e.C >= transition {
		return 0, fmt.Errorf("train: window entry %d:%d outside a window of %d x %d", e.T, e.C, horizon, transition)
	}
	return t*transition + e.C, nil
}

// ConditionOn makes the source conditional: each example's condition is the listed entries of its own
// (normalised) window, e.g. the start and goal states of a plan, which a conditional network then learns
// to respect (sampling clamps them as well).
func (s *SamplerSource) ConditionOn(entries []WindowEntry) error {
	cond := make([]int, len(entries))
	for j, e := range entries {
		k, err := e.Index(s.sampler.Horizon(), s.sampler.Dim())
		if err != nil {
			return err
		}
		cond[j] = k
	}
	s.cond, s.derived = cond, nil
	return nil
}

// NewSamplerSource serves batches of batchSize windows, shuffled with seed.
func NewSamplerSource(s *datasets.SegmentSampler, batchSize int, seed uint64) (*SamplerSource, error) {
	if s.Len() < 1 {
		return nil, fmt.Errorf("train: the dataset has no window of the requested horizon")
	}
	return &SamplerSource{sampler: s, cfg: datasets.BatchConfig{BatchSize: batchSize, Seed: seed, DropLast: s.Len() >= batchSize}}, nil
}

func (s *SamplerSource) Dim() int     { return s.sampler.Horizon() * s.sampler.Dim() }
func (s *SamplerSource) CondDim() int { return len(s.cond) }

func (s *SamplerSource) Batch(step int, x0, cond []float64) error {
	idx, err := s.order.at(step, func() (*datasets.BatchIterator, error) { return s.sampler.Batches(s.cfg) })
	if err != nil {
		return err
	}
	// A short final batch of an epoch (only when the dataset is smaller than a batch) repeats windows.
	if len(s.full) != s.cfg.BatchSize {
		s.full = make([]int, s.cfg.BatchSize)
	}
	for i := range s.full {
		s.full[i] = idx[i%len(idx)]
	}
	if err := s.sampler.Fill(&s.batch, s.full); err != nil {
		return err
	}
	if len(x0) != len(s.batch.X) {
		return fmt.Errorf("train: batch of %d values, want %d", len(s.batch.X), len(x0))
	}
	for i, v := range s.batch.X {
		x0[i] = float64(v)
	}
	D, C := s.Dim(), len(s.cond)
	for b := 0; b < s.cfg.BatchSize && C > 0; b++ {
		for j, k := range s.cond {
			if k < 0 { // an episode-derived item: its value at the window's first step
				seg := s.batch.Segments[b]
				cond[b*C+j] = s.derived[j][seg.Trajectory][seg.Start]
				continue
			}
			cond[b*C+j] = x0[b*D+k]
		}
	}
	return nil
}

// stepOrder positions a seeded batch order at a training step: step s always gets the s-th batch, and a
// run that goes back (a resume) restarts the order, so resumed runs see the batches they would have seen.
type stepOrder struct {
	it   *datasets.BatchIterator
	next int // the step the iterator is positioned at
}

// at returns the indices of step's batch, starting the order with start when needed.
func (o *stepOrder) at(step int, start func() (*datasets.BatchIterator, error)) ([]int, error) {
	if o.it == nil || step < o.next {
		it, err := start()
		if err != nil {
			return nil, err
		}
		o.it, o.next = it, 0
	}
	var idx []int
	for o.next <= step {
		var ok bool
		if idx, ok = o.it.Next(); !ok {
			return nil, fmt.Errorf("train: batch iterator ended at step %d", o.next)
		}
		o.next++
	}
	return idx, nil
}

// FuncSource draws every example from a function of a random stream keyed by (seed, step, example), e.g.
// samples of a known distribution.
type FuncSource struct {
	D, C int
	Seed uint64
	Draw func(rng *rand.Rand, x0, cond []float64) error
}

func (f *FuncSource) Dim() int     { return f.D }
func (f *FuncSource) CondDim() int { return f.C }

func (f *FuncSource) Batch(step int, x0, cond []float64) error {
	n := len(x0) / f.D
	for b := 0; b < n; b++ {
		rng := stream.RNG(f.Seed, "train/source", uint64(step)<<20|uint64(b), "train")
		var c []float64
		if f.C > 0 {
			c = cond[b*f.C : (b+1)*f.C]
		}
		if err := f.Draw(rng, x0[b*f.D:(b+1)*f.D], c); err != nil {
			return err
		}
	}
	return nil
}
