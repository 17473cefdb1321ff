package datasets

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// writeFieldsBytes writes a fields dataset of about size bytes of float32 state (trajectories of
// 64 frames x 64 x 64 grid x 1 channel = 1 MiB each).
func writeFieldsBytes(tb testing.TB, path string, size int64) (int64, time.Duration) {
	spec := FieldSpec{Frames: 64, Grid: []int{64, 64}, StateChannels: 1}
	per := int64(spec.Frames * spec.GridPoints() * 4)
	n := int(size / per)
	w, err := CreateFields(path, spec, WriteOptions{Overwrite: true})
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	state := make([]float64, spec.Frames*spec.GridPoints())
	for i := range state {
		state[i] = r.NormFloat64()
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		state[i%len(state)] += 1 // trajectories differ
		if err := w.Write(FieldTrajectory{State: state}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return int64(n) * per, time.Since(start)
}

// BenchmarkIPC1GB measures, on one 1 GiB IPC file generated in a temporary directory:
// read-mmap, opening it memory-mapped and summing every float32 of every trajectory through the
// zero-copy views; sum-memory, the same summation over a plain in-memory []float32 of the same
// size; memcpy, copying the file's bytes between two in-memory buffers; and write, writing a
// 256 MiB dataset (float64 input converted to float32, stats accumulated, fsync, rename). The
// page cache is warm for read-mmap (the file was just written). Skipped with -short.
func BenchmarkIPC1GB(b *testing.B) {
	if testing.Short() {
		b.Skip("1 GiB benchmark skipped in short mode")
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "fields-1g.arrow")
	dataBytes, took := writeFieldsBytes(b, path, 1<<30)
	b.Logf("generated %d MiB of tensor data in %v (%.0f MB/s)", dataBytes>>20, took, float64(dataBytes)/took.Seconds()/1e6)
	b.Run("read-mmap", func(b *testing.B) {
		b.SetBytes(dataBytes)
		var sink float32
		for i := 0; i < b.N; i++ {
			d, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			var s float32
			for k := 0; k < d.Len(); k++ {
				v, err := d.Field(k)
				if err != nil {
					b.Fatal(err)
				}
				s += sum32(v.State.Float32())
			}
			sink += s
			d.Close()
		}
		runtime.KeepAlive(sink) // the sums must be computed
	})
	b.Run("sum-memory", func(b *testing.B) {
		x := make([]float32, dataBytes/4)
		for i := range x {
			x[i] = float32(i & 1023)
		}
		b.SetBytes(dataBytes)
		b.ResetTimer()
		var sink float32
		for i := 0; i < b.N; i++ {
			sink += sum32(x)
		}
		runtime.KeepAlive(sink) // the sums must be computed
	})
	b.Run("memcpy", func(b *testing.B) {
		src, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		dst := make([]byte, len(src))
		b.SetBytes(int64(len(src)))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			copy(dst, src)
		}
	})
	b.Run("write-256MiB", func(b *testing.B) {
		b.SetBytes(256 << 20)
		for i := 0; i < b.N; i++ {
			writeFieldsBytes(b, filepath.Join(dir, "w.arrow"), 256<<20)
		}
	})
}

// sum32 adds float32 values with 4 accumulators (what a consumer iterating the values does).
func sum32(x []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return s0 + s1 + s2 + s3
}

// BenchmarkSegmentSampler: Diffuser-sized batches (256 windows of horizon 32) from 1000 episodes
// of 1000 steps with 17 observation and 6 action dimensions (hopper-sized), min-max normalised,
// shuffled by the batch iterator. scripts/datasets/bench_sampler.py times the same with NumPy.
func BenchmarkSegmentSampler(b *testing.B) {
	spec := EpisodeSpec{ObservationDim: 17, ActionDim: 6}
	path := filepath.Join(b.TempDir(), "hopper.arrow")
	w, err := CreateEpisodes(path, spec, WriteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 3))
	const E, T = 1000, 1000
	obs, act, rew := make([]float64, T*17), make([]float64, T*6), make([]float64, T)
	for e := 0; e < E; e++ {
		for i := range obs {
			obs[i] = r.NormFloat64()
		}
		for i := range act {
			act[i] = r.Float64()*2 - 1
		}
		if err := w.Write(Episode{Observations: obs, Actions: act, Rewards: rew}); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	d, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	for _, norm := range []NormalizerKind{NormNone, NormMinMax} {
		b.Run(fmt.Sprintf("B256-H32-%v", norm), func(b *testing.B) {
			s, err := NewSegmentSampler(d, SamplerConfig{Horizon: 32, Normalizer: norm})
			if err != nil {
				b.Fatal(err)
			}
			it, err := s.Batches(BatchConfig{BatchSize: 256, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			var batch Batch
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				idx, _ := it.Next()
				if err := s.Fill(&batch, idx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "batches/s")
		})
	}
}

// BenchmarkValidate64MiB: Validate (the NaN/Inf scan) over a 64 MiB file.
func BenchmarkValidate64MiB(b *testing.B) {
	path := filepath.Join(b.TempDir(), "v.arrow")
	n, _ := writeFieldsBytes(b, path, 64<<20)
	d, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	b.SetBytes(n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := d.Validate(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
