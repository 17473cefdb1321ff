package datasets

import (
	"math"
	"path/filepath"
	"slices"
	"testing"
)

// diffuserIndices transcribes make_indices of jannerm/diffuser datasets/sequence.py.
func diffuserIndices(pathLengths []int, horizon, maxPathLength int, usePadding bool) []Segment {
	var out []Segment
	for i, L := range pathLengths {
		maxStart := min(L-1, maxPathLength-horizon)
		if !usePadding {
			maxStart = min(maxStart, L-horizon)
		}
		for start := range max(maxStart, 0) {
			out = append(out, Segment{i, start, start + horizon})
		}
	}
	return out
}

func TestSegmentSamplerMatchesDiffuser(t *testing.T) {
	spec := testEpisodeSpec
	eps := makeEpisodes(7, 30, 20, spec)
	// Include edge cases: episodes of length 1, exactly the horizon, one more than it.
	eps[0] = makeEpisodes(8, 1, 1, spec)[0]
	for len(eps[1].Rewards) != 4 {
		eps[1] = makeEpisodes(uint64(len(eps[1].Rewards)+100), 1, 20, spec)[0]
	}
	path := filepath.Join(t.TempDir(), "e.arrow")
	writeEpisodes(t, path, spec, eps, WriteOptions{BatchRows: 37})
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	lengths := make([]int, len(eps))
	longest := 0
	for i, e := range eps {
		lengths[i] = len(e.Rewards)
		longest = max(longest, lengths[i])
	}
	const H = 4
	for _, tc := range []struct {
		name    string
		norm    NormalizerKind
		pad     bool
		maxPath int
	}{
		{"padding-minmax", NormMinMax, true, 0},
		{"padding-gaussian-mpl", NormGaussian, true, 25},
		{"nopadding-none", NormNone, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSegmentSampler(d, SamplerConfig{Horizon: H, Normalizer: tc.norm, NoPadding: !tc.pad, MaxPathLength: tc.maxPath, Discount: 0.9, TerminationPenalty: -10})
			if err != nil {
				t.Fatal(err)
			}
			if c, w := s.Columns(), s.Widths(); len(c) != 2 || c[0] != ColActions || c[1] != ColObservations ||
				len(w) != 2 || w[0] != spec.ActionDim || w[1] != spec.ObservationDim {
				t.Errorf("columns %v of widths %v, want the default [actions observations] of [%d %d]", c, w, spec.ActionDim, spec.ObservationDim)
			}
			mpl := tc.maxPath
			if mpl == 0 {
				mpl = longest
			}
			want := diffuserIndices(lengths, H, mpl, tc.pad)
			if s.Len() != len(want) {
				t.Fatalf("%d windows, want %d", s.Len(), len(want))
			}
			// Reference: Diffuser's zero-padded [episodes, max_path_length, dim] arrays of
			// concat([actions, observations]), normalised as a whole with statistics of the
			// unpadded steps (two-pass, float64).
			dim := spec.ActionDim + spec.ObservationDim
			padded := make([][]float64, len(eps))
			var rows [][]float64
			for i, e := range eps {
				padded[i] = make([]float64, mpl*dim)
				for t := 0; t < lengths[i]; t++ {
					for j := 0; j < spec.ActionDim; j++ {
						padded[i][t*dim+j] = float64(float32(e.Actions[t*spec.ActionDim+j]))
					}
					for j := 0; j < spec.ObservationDim; j++ {
						padded[i][t*dim+spec.ActionDim+j] = float64(float32(e.Observations[t*spec.ObservationDim+j]))
					}
					rows = append(rows, padded[i][t*dim:(t+1)*dim])
				}
			}
			mean, std, mn, mx := make([]float64, dim), make([]float64, dim), make([]float64, dim), make([]float64, dim)
			for j := 0; j < dim; j++ {
				mn[j], mx[j] = math.Inf(1), math.Inf(-1)
				for _, r := range rows {
					mean[j] += r[j]
					mn[j], mx[j] = math.Min(mn[j], r[j]), math.Max(mx[j], r[j])
				}
				mean[j] /= float64(len(rows))
				for _, r := range rows {
					std[j] += (r[j] - mean[j]) * (r[j] - mean[j])
				}
				std[j] = math.Sqrt(std[j] / float64(len(rows)))
			}
			norm := func(x float64, j int) float64 {
				switch tc.norm {
				case NormGaussian:
					return (x - mean[j]) / std[j]
				case NormMinMax:
					return 2*(x-mn[j])/(mx[j]-mn[j]) - 1
				}
				return x
			}
			all := make([]int, s.Len())
			for k := range all {
				all[k] = k
			}
			var b Batch
			if err := s.Fill(&b, all); err != nil {
				t.Fatal(err)
			}
			for k, seg := range want {
				if b.Segments[k] != seg {
					t.Fatalf("window %d is %+v, want %+v", k, b.Segments[k], seg)
				}
				for h := 0; h < H; h++ {
					tt := seg.Start + h
					if got, w := b.Mask[k*H+h], float32(0); true {
						if tt < lengths[seg.Trajectory] {
							w = 1
						}
						if got != w {
							t.Fatalf("window %d step %d: mask %v, want %v", k, h, got, w)
						}
					}
					for j := 0; j < dim; j++ {
						w := norm(padded[seg.Trajectory][tt*dim+j], j)
						got := float64(b.X[(k*H+h)*dim+j])
						if math.Abs(got-w) > 2e-6*math.Max(1, math.Abs(w)) {
							t.Fatalf("window %d (%+v) step %d dim %d: %v, want %v", k, seg, h, j, got, w)
						}
					}
				}
				// ValueDataset: sum of discount^k * rewards[start:] of the padded episode.
				e := eps[seg.Trajectory]
				v := 0.0
				for tt := seg.Start; tt < mpl; tt++ {
					r := 0.0
					if tt < lengths[seg.Trajectory] {
						r = float64(float32(e.Rewards[tt]))
						if tt == lengths[seg.Trajectory]-1 && e.Terminals[tt] {
							r += -10
						}
					}
					v += math.Pow(0.9, float64(tt-seg.Start)) * r
				}
				if math.Abs(float64(b.Values[k])-v) > 1e-5*math.Max(1, math.Abs(v)) {
					t.Fatalf("window %d value %v, want %v", k, b.Values[k], v)
				}
			}
		})
	}
	if _, err := NewSegmentSampler(d, SamplerConfig{Horizon: 4, MaxPathLength: 3}); err == nil {
		t.Fatal("MaxPathLength shorter than an episode accepted")
	}
}

func TestNormalizerRoundTrip(t *testing.T) {
	st := ColumnStats{Count: 10, Mean: []float64{1, -2, 5}, Std: []float64{2, 0, 0.5}, Min: []float64{-3, -2, 4}, Max: []float64{5, -2, 6}}
	x := []float32{-3, -2, 4, 5, -2, 6, 1, -2, 5}
	for _, k := range []NormalizerKind{NormGaussian, NormMinMax} {
		n, err := NewNormalizer(k, st)
		if err != nil {
			t.Fatal(err)
		}
		y := append([]float32(nil), x...)
		n.Normalize(y)
		if k == NormMinMax {
			// min -> -1, max -> 1; the constant component maps to 0 in [min-1, max+1].
			want := []float32{-1, 0, -1, 1, 0, 1, 0, 0, 0}
			for i := range want {
				if math.Abs(float64(y[i]-want[i])) > 1e-6 {
					t.Fatalf("minmax %v, want %v", y, want)
				}
			}
		} else if y[0] != -2 || y[1] != 0 || y[2] != -2 {
			t.Fatalf("gaussian %v", y)
		}
		n.Unnormalize(y)
		for i := range x {
			if math.Abs(float64(y[i]-x[i])) > 1e-6 {
				t.Fatalf("%v round trip %v, want %v", k, y, x)
			}
		}
	}
	// Diffuser clips only when a value exceeds 1 + 1e-4.
	n, _ := NewNormalizer(NormMinMax, st)
	y := []float32{1.00005, 0, 0, 1.5, 0, 0}
	n.Unnormalize(y[:3])
	if math.Abs(float64(y[0])-5.0002) > 1e-4 {
		t.Fatalf("within tolerance: %v, want unclipped 5.0002", y[0])
	}
	n.Unnormalize(y[3:])
	if y[3] != 5 {
		t.Fatalf("beyond tolerance: %v, want clipped to max 5", y[3])
	}
}

// Limits gives a min-max normaliser's data range (a constant component widened by 1 each side), and nothing
// for the other kinds.
func TestNormalizerLimitsAreTheMinMaxRange(t *testing.T) {
	st := ColumnStats{Count: 10, Mean: []float64{1, -2}, Std: []float64{2, 0}, Min: []float64{-3, -2}, Max: []float64{5, -2}}
	n, _ := NewNormalizer(NormMinMax, st)
	lo, hi, ok := n.Limits()
	if !ok || !slices.Equal(lo, []float64{-3, -3}) || !slices.Equal(hi, []float64{5, -1}) {
		t.Errorf("limits %v, %v, %v; want [-3 -3], [5 -1]", lo, hi, ok)
	}
	g, _ := NewNormalizer(NormGaussian, st)
	if _, _, ok := g.Limits(); ok {
		t.Error("a Gaussian normaliser reports limits")
	}
}

func TestBatchIterator(t *testing.T) {
	const n, B, W = 103, 8, 3
	var seen [2]map[int]int
	for e := range seen {
		seen[e] = map[int]int{}
	}
	for w := 0; w < W; w++ {
		it, err := NewBatchIterator(n, BatchConfig{BatchSize: B, Seed: 42, Worker: w, Workers: W, Epochs: 2})
		if err != nil {
			t.Fatal(err)
		}
		it2, _ := NewBatchIterator(n, BatchConfig{BatchSize: B, Seed: 42, Worker: w, Workers: W, Epochs: 2})
		count := 0
		for {
			idx, ok := it.Next()
			idx2, _ := it2.Next()
			if !ok {
				break
			}
			count++
			for i, k := range idx {
				if idx2[i] != k {
					t.Fatal("same seed gave different batches")
				}
				seen[it.Epoch()][k]++
			}
		}
		if count != 2*it.BatchesPerEpoch() {
			t.Fatalf("worker %d: %d batches, want %d", w, count, 2*it.BatchesPerEpoch())
		}
	}
	for e := range seen {
		if len(seen[e]) != n {
			t.Fatalf("epoch %d covers %d of %d items", e, len(seen[e]), n)
		}
		for k, c := range seen[e] {
			if c != 1 {
				t.Fatalf("epoch %d: item %d seen %d times across workers", e, k, c)
			}
		}
	}
	// Different epochs and seeds give different orders.
	a, _ := NewBatchIterator(n, BatchConfig{BatchSize: n, Seed: 1})
	b, _ := NewBatchIterator(n, BatchConfig{BatchSize: n, Seed: 2})
	x, _ := a.Next()
	x = append([]int(nil), x...)
	y, _ := b.Next()
	x2, _ := a.Next()
	same, same2 := true, true
	for i := range x {
		same = same && x[i] == y[i]
		same2 = same2 && x[i] == x2[i]
	}
	if same || same2 {
		t.Fatal("seeds or epochs do not change the order")
	}
}

func TestBoundedUniform(t *testing.T) {
	// Chi-square test of the first element of 10000 permutations of 7 items: the 0.999 quantile of
	// chi2(6) is 22.46.
	p := make([]int, 7)
	counts := make([]float64, 7)
	for e := 0; e < 10000; e++ {
		permute(p, 5, uint64(e))
		for i, v := range p {
			if i == 0 {
				counts[v]++
			}
		}
	}
	chi := 0.0
	for _, c := range counts {
		chi += (c - 10000.0/7) * (c - 10000.0/7) / (10000.0 / 7)
	}
	if chi > 22.46 {
		t.Fatalf("first element of permutations not uniform: chi2 = %v, counts %v", chi, counts)
	}
}
