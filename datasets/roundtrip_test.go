package datasets

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// makeEpisodes returns n episodes with lengths 1..maxLen, deterministic in seed.
func makeEpisodes(seed uint64, n, maxLen int, spec EpisodeSpec) []Episode {
	r := rand.New(rand.NewPCG(seed, 1))
	eps := make([]Episode, n)
	for i := range eps {
		T := 1 + r.IntN(maxLen)
		e := Episode{Rewards: make([]float64, T), Terminals: make([]bool, T), Timeouts: make([]bool, T), Infos: map[string][]float64{}}
		for j := 0; j < T*spec.ObservationDim; j++ {
			e.Observations = append(e.Observations, r.NormFloat64()*3+1)
		}
		for j := 0; j < T*spec.ActionDim; j++ {
			e.Actions = append(e.Actions, r.Float64()*2-1)
		}
		for j := range e.Rewards {
			e.Rewards[j] = r.Float64()
		}
		switch r.IntN(3) {
		case 0:
			e.Terminals[T-1] = true
		case 1:
			e.Timeouts[T-1] = true
		}
		for _, in := range spec.Infos {
			v := make([]float64, T*in.Dim)
			for j := range v {
				v[j] = r.NormFloat64()
			}
			e.Infos[in.Name] = v
		}
		eps[i] = e
	}
	return eps
}

func writeEpisodes(t testing.TB, path string, spec EpisodeSpec, eps []Episode, opts WriteOptions) {
	t.Helper()
	w, err := CreateEpisodes(path, spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range eps {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func roundTo(dt DType, v float64) float64 {
	if dt == Float32 {
		return float64(float32(v))
	}
	return v
}

func checkTensor(t *testing.T, what string, got Tensor, want []float64, dt DType) {
	t.Helper()
	if got.Len() != len(want) {
		t.Fatalf("%s: %d values, want %d", what, got.Len(), len(want))
	}
	if got.DType() != dt {
		t.Fatalf("%s: dtype %v, want %v", what, got.DType(), dt)
	}
	for i, w := range want {
		if got.At(i) != roundTo(dt, w) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got.At(i), roundTo(dt, w))
		}
	}
}

var testEpisodeSpec = EpisodeSpec{ObservationDim: 3, ActionDim: 2, Infos: []InfoSpec{{Name: "goal", Dim: 2}, {Name: "qpos", Dim: 1}}}

func TestEpisodesRoundTrip(t *testing.T) {
	spec := testEpisodeSpec
	eps := makeEpisodes(1, 40, 25, spec)
	cases := []struct {
		name string
		file string
		opts WriteOptions
	}{
		{"ipc", "e.arrow", WriteOptions{BatchRows: 50}},
		{"ipc-zstd", "e.arrow", WriteOptions{BatchRows: 50, Compression: CompressionZstd}},
		{"ipc-lz4-f64", "e.arrow", WriteOptions{BatchRows: 50, Compression: CompressionLZ4, DType: Float64}},
		{"parquet", "e.parquet", WriteOptions{BatchRows: 70}},
		{"parquet-zstd-f64", "e.parquet", WriteOptions{Compression: CompressionZstd, DType: Float64}},
		{"shards", "e.d", WriteOptions{BatchRows: 30, ShardRows: 100}},
		{"parquet-shards", "e.d", WriteOptions{Format: FormatParquet, ShardRows: 120}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			tc.opts.Generator = Generator{Name: "test", Version: "1", Seed: 1, Params: map[string]any{"n": 40}}
			tc.opts.Units = map[string]string{ColObservations: "m"}
			writeEpisodes(t, path, spec, eps, tc.opts)
			d, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if d.Kind() != Episodes || d.Len() != len(eps) {
				t.Fatalf("kind %v len %d, want episodes %d", d.Kind(), d.Len(), len(eps))
			}
			if tc.opts.ShardRows > 0 && len(d.Files()) < 2 {
				t.Fatalf("want several shards, got %v", d.Files())
			}
			md := d.Metadata()
			if md.Generator.Name != "test" || md.Units[ColObservations] != "m" || md.DType != tc.opts.DType {
				t.Fatalf("metadata not preserved: %+v", md)
			}
			steps := 0
			for i, e := range eps {
				v, err := d.Episode(i)
				if err != nil {
					t.Fatal(err)
				}
				T := len(e.Rewards)
				steps += T
				if v.Len != T || v.ID != int64(i) {
					t.Fatalf("episode %d: len %d id %d, want %d %d", i, v.Len, v.ID, T, i)
				}
				checkTensor(t, "observations", v.Observations, e.Observations, tc.opts.DType)
				checkTensor(t, "actions", v.Actions, e.Actions, tc.opts.DType)
				checkTensor(t, "rewards", v.Rewards, e.Rewards, tc.opts.DType)
				checkTensor(t, "goal", v.Infos["goal"], e.Infos["goal"], tc.opts.DType)
				for s := 0; s < T; s++ {
					if v.Terminals[s] != e.Terminals[s] || v.Timeouts[s] != e.Timeouts[s] {
						t.Fatalf("episode %d step %d: flags differ", i, s)
					}
				}
			}
			if d.NumRows() != int64(steps) {
				t.Fatalf("rows %d, want %d", d.NumRows(), steps)
			}
			// Stored statistics equal a two-pass computation over the stored values.
			st, ok := md.Stats[ColObservations]
			if !ok {
				t.Fatalf("no stored statistics: %v", md.Stats)
			}
			var sum, sum2 [3]float64
			mn := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}
			for _, e := range eps {
				for k, v := range e.Observations {
					v = roundTo(tc.opts.DType, v)
					sum[k%3] += v
					mn[k%3] = math.Min(mn[k%3], v)
				}
			}
			for k := 0; k < 3; k++ {
				mean := sum[k] / float64(steps)
				for _, e := range eps {
					for j := k; j < len(e.Observations); j += 3 {
						dv := roundTo(tc.opts.DType, e.Observations[j]) - mean
						sum2[k] += dv * dv
					}
				}
				std := math.Sqrt(sum2[k] / float64(steps))
				if st.Count != int64(steps) || math.Abs(st.Mean[k]-mean) > 1e-12*math.Abs(mean)+1e-13 ||
					math.Abs(st.Std[k]-std) > 1e-12*std || st.Min[k] != mn[k] {
					t.Fatalf("stats component %d: got count %d mean %v std %v min %v, want %d %v %v %v",
						k, st.Count, st.Mean[k], st.Std[k], st.Min[k], steps, mean, std, mn[k])
				}
			}
			// No temporary files are left behind.
			entries, _ := os.ReadDir(filepath.Dir(path))
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp") {
					t.Fatalf("temporary file left: %s", e.Name())
				}
			}
		})
	}
}
