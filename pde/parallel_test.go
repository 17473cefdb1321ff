package pde

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// TestRunOrderedIsWorkerIndependent checks that consume sees every index once, in order, with the
// same values for any number of workers, even when produce finishes out of order.
func TestRunOrderedIsWorkerIndependent(t *testing.T) {
	run := func(workers int) []uint64 {
		var got []uint64
		next := 5
		err := RunOrdered(context.Background(), 5, 45, workers,
			func(_ context.Context, i int) (uint64, error) {
				time.Sleep(time.Duration((i*7919)%5) * 100 * time.Microsecond) // finish out of order
				return TrajectoryRNG(3, i).Uint64(), nil
			},
			func(i int, v uint64) error {
				if i != next {
					t.Fatalf("consumed %d, want %d", i, next)
				}
				next++
				got = append(got, v)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	one := run(1)
	for _, w := range []int{2, 3, 8, 64} {
		many := run(w)
		if len(many) != 40 {
			t.Fatalf("%d workers: %d results", w, len(many))
		}
		for i := range one {
			if one[i] != many[i] {
				t.Fatalf("%d workers: result %d differs", w, i)
			}
		}
	}
}

func TestRunOrderedStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	consumed := 0
	err := RunOrdered(context.Background(), 0, 1000, 4,
		func(_ context.Context, i int) (int, error) {
			if i == 17 {
				return 0, boom
			}
			return i, nil
		},
		func(i, v int) error { consumed++; return nil })
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if consumed > 17 {
		t.Errorf("consumed %d results past the failing index 17", consumed)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := RunOrdered(ctx, 0, 10, 2, func(context.Context, int) (int, error) { return 0, nil },
		func(int, int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v", err)
	}
}

func TestShardPartition(t *testing.T) {
	for _, total := range []int{0, 1, 7, 100, 1001} {
		for _, n := range []int{1, 2, 3, 7, 16} {
			prev := 0
			for i := range n {
				lo, hi, err := Shard(total, i, n)
				if err != nil {
					t.Fatal(err)
				}
				if lo != prev || hi < lo || hi-lo > total/n+1 {
					t.Fatalf("total %d, shard %d/%d = [%d, %d) after %d", total, i, n, lo, hi, prev)
				}
				prev = hi
			}
			if prev != total {
				t.Fatalf("total %d over %d shards ends at %d", total, n, prev)
			}
		}
	}
	for _, bad := range [][2]int{{-1, 2}, {2, 2}, {0, 0}} {
		if _, _, err := Shard(10, bad[0], bad[1]); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("shard %d/%d: got %v", bad[0], bad[1], err)
		}
	}
}

// TestTrajectoryRNGStreams checks that neighbouring (seed, index) streams are distinct and look
// uncorrelated: the correlation of 10^4 uniforms of adjacent streams is O(1/sqrt(n)).
func TestTrajectoryRNGStreams(t *testing.T) {
	const n = 10000
	draw := func(r *rand.Rand) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.Float64() - 0.5
		}
		return v
	}
	base := draw(TrajectoryRNG(1, 1))
	for _, other := range [][2]int{{1, 2}, {2, 1}, {0, 1}} {
		v := draw(TrajectoryRNG(uint64(other[0]), other[1]))
		c := 0.0
		for i := range v {
			c += v[i] * base[i]
		}
		c /= n / 12.0 // variance of U[-1/2, 1/2] is 1/12
		if c > 0.05 || c < -0.05 {
			t.Errorf("stream %v vs (1, 1): correlation %.3f", other, c)
		}
	}
	if TrajectoryRNG(9, 9).Uint64() != TrajectoryRNG(9, 9).Uint64() {
		t.Error("TrajectoryRNG is not deterministic")
	}
}
