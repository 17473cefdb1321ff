package datasets

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
)

// BatchConfig configures a BatchIterator.
type BatchConfig struct {
	BatchSize int
	// Seed fixes the shuffles: the same seed gives the same batches on every run and machine.
	Seed uint64
	// Worker and Workers split each epoch's batches across data-parallel workers: worker w gets
	// batches w, w+Workers, w+2*Workers, ... of the same epoch permutation, so workers never see
	// the same window in an epoch. Workers 0 means 1.
	Worker, Workers int
	// DropLast drops the final short batch of each epoch.
	DropLast bool
	// Epochs > 0 stops after that many epochs; 0 iterates forever.
	Epochs int
}

// BatchIterator yields shuffled batches of indices in [0, n). Epoch e uses the permutation
// produced by a Fisher-Yates shuffle driven by PCG-DXSM seeded with (Seed, e), with Lemire's
// multiply-shift bounded integers, so the order is fully specified and reproducible.
type BatchIterator struct {
	n, batch          int
	cfg               BatchConfig
	perm              []int
	epoch, next, nbat int
	out               []int
}

// NewBatchIterator returns an iterator over n items.
func NewBatchIterator(n int, cfg BatchConfig) (*BatchIterator, error) {
	if cfg.Workers == 0 {
		cfg.Workers = 1
	}
	if n < 1 || cfg.BatchSize < 1 || cfg.Workers < 1 || cfg.Worker < 0 || cfg.Worker >= cfg.Workers || cfg.Epochs < 0 {
		return nil, fmt.Errorf("batch iterator: need n >= 1 (got %d), batch size >= 1 (got %d), 0 <= worker %d < workers %d, epochs >= 0 (got %d)",
			n, cfg.BatchSize, cfg.Worker, cfg.Workers, cfg.Epochs)
	}
	nbat := n / cfg.BatchSize
	if !cfg.DropLast && n%cfg.BatchSize != 0 {
		nbat++
	}
	if nbat <= cfg.Worker {
		return nil, fmt.Errorf("batch iterator: %d items make %d batches of %d, too few for worker %d", n, nbat, cfg.BatchSize, cfg.Worker)
	}
	it := &BatchIterator{n: n, batch: cfg.BatchSize, cfg: cfg, perm: make([]int, n), nbat: nbat, epoch: -1}
	return it, nil
}

// Batches returns a batch iterator over the sampler's windows.
func (s *SegmentSampler) Batches(cfg BatchConfig) (*BatchIterator, error) {
	return NewBatchIterator(s.Len(), cfg)
}

// Epoch returns the epoch of the last batch returned by Next.
func (it *BatchIterator) Epoch() int { return it.epoch }

// BatchesPerEpoch returns how many batches this worker gets per epoch.
func (it *BatchIterator) BatchesPerEpoch() int {
	return (it.nbat - it.cfg.Worker + it.cfg.Workers - 1) / it.cfg.Workers
}

// Next returns the indices of the next batch (valid until the following call), or false after
// the last epoch.
func (it *BatchIterator) Next() ([]int, bool) {
	if it.epoch < 0 || it.next >= it.nbat {
		if it.cfg.Epochs > 0 && it.epoch+1 >= it.cfg.Epochs {
			return nil, false
		}
		it.epoch++
		permute(it.perm, it.cfg.Seed, uint64(it.epoch))
		it.next = it.cfg.Worker
	}
	b := it.next
	it.next += it.cfg.Workers
	lo, hi := b*it.batch, min((b+1)*it.batch, it.n)
	it.out = append(it.out[:0], it.perm[lo:hi]...)
	return it.out, true
}

// permute fills p with a permutation of 0..len(p)-1 determined by (seed, epoch).
func permute(p []int, seed, epoch uint64) {
	src := rand.NewPCG(seed, epoch^0x9e3779b97f4a7c15)
	for i := range p {
		p[i] = i
	}
	for i := len(p) - 1; i > 0; i-- {
		j := int(boundedUint64(src, uint64(i+1)))
		p[i], p[j] = p[j], p[i]
	}
}

// boundedUint64 returns a uniform integer in [0, n) (Lemire 2019, "Fast random integer
// generation in an interval", with rejection of the biased low products).
func boundedUint64(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}
