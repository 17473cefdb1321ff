package wdno

import (
	"fmt"

	"github.com/trajdiff/trajdiff/internal/stream"
	"github.com/trajdiff/trajdiff/train"
)

// source serves the encoded training examples of one task (train.Source). Example b of step s is
// trajectory perm_e(g mod n) with g = s B + b and e = g div n: every epoch visits each trajectory once in
// the order of its own keyed permutation, so any step's batch is known without replaying the run (a
// resumed run sees the batches it would have seen).
type source struct {
	data   *Data
	layout Layout
	task   Task
	batch  int
	seed   uint64
	perms  map[int][]int // epoch -> permutation, the few epochs a batch can touch
	u, f   []float64
}

var _ train.Source = (*source)(nil)

func newSource(d *Data, l Layout, task Task, batch int, seed uint64) (*source, error) {
	c := l.Config()
	if c.Frames != d.Frames || c.Cells != d.Cells {
		return nil, fmt.Errorf("wdno: layout of %d x %d for a dataset of %d frames x %d cells", c.Frames, c.Cells, d.Frames, d.Cells)
	}
	return &source{data: d, layout: l, task: task, batch: batch, seed: seed, perms: map[int][]int{}}, nil
}

func (s *source) Dim() int     { return s.layout.Dim() }
func (s *source) CondDim() int { return 0 }

func (s *source) perm(epoch int) []int { return epochPerm(s.perms, s.seed, epoch, s.data.Len()) }

// epochPerm is the keyed permutation of n training examples for an epoch, kept in perms for the few
// epochs a batch can touch (older ones are dropped).
func epochPerm(perms map[int][]int, seed uint64, epoch, n int) []int {
	if p, ok := perms[epoch]; ok {
		return p
	}
	if len(perms) > 4 {
		clear(perms)
	}
	p := stream.RNG(seed, "wdno/epoch", uint64(epoch), "train").Perm(n)
	perms[epoch] = p
	return p
}

func (s *source) Batch(step int, x0, _ []float64) error {
	D, n := s.Dim(), s.data.Len()
	if len(x0)%D != 0 {
		return fmt.Errorf("wdno: batch buffer of %d values for examples of %d", len(x0), D)
	}
	for b := 0; b < len(x0)/D; b++ {
		g := step*s.batch + b
		i := s.perm(g / n)[g%n]
		var err error
		if s.u, s.f, err = s.data.Fields(i, s.u, s.f); err != nil {
			return err
		}
		if err := s.layout.Encode(s.task, s.u, s.f, x0[b*D:(b+1)*D]); err != nil {
			return fmt.Errorf("wdno: trajectory %d: %w", i, err)
		}
	}
	return nil
}
