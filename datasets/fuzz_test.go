package datasets

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// seedFiles writes small valid files of every kind and returns their bytes.
func seedFiles(f *testing.F, ext string, opts WriteOptions) [][]byte {
	dir := f.TempDir()
	var out [][]byte
	add := func(path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	p := filepath.Join(dir, "e"+ext)
	w, err := CreateEpisodes(p, EpisodeSpec{ObservationDim: 2, ActionDim: 1, Infos: []InfoSpec{{Name: "goal", Dim: 1}}}, opts)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range makeEpisodes(1, 3, 3, EpisodeSpec{ObservationDim: 2, ActionDim: 1, Infos: []InfoSpec{{Name: "goal", Dim: 1}}}) {
		if err := w.Write(e); err != nil {
			f.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	add(p)
	p = filepath.Join(dir, "g"+ext)
	gs := GeometricSpec{Frames: 2, Nodes: 2, SpatialDim: 3, NodeFeatureDim: 1, Edges: true, Velocities: true}
	g, err := CreateGeometric(p, gs, opts)
	if err != nil {
		f.Fatal(err)
	}
	for _, tr := range makeGeometric(2, 2, gs) {
		tr.Forces, tr.Energies, tr.Params = nil, nil, nil
		if err := g.Write(tr); err != nil {
			f.Fatal(err)
		}
	}
	if err := g.Close(); err != nil {
		f.Fatal(err)
	}
	add(p)
	p = filepath.Join(dir, "f"+ext)
	fw, err := CreateFields(p, FieldSpec{Frames: 2, Grid: []int{3}, StateChannels: 1, ParamDim: 1}, opts)
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := fw.Write(FieldTrajectory{State: []float64{1, 2, 3, 4, 5, float64(i)}, Params: []float64{0.5}}); err != nil {
			f.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		f.Fatal(err)
	}
	add(p)
	return out
}

// exercise opens data and touches everything a training run would; it must never panic.
func exercise(data []byte) {
	d, err := OpenBytes("fuzz", data)
	if err != nil {
		return
	}
	defer d.Close()
	_ = d.Validate(context.Background())
	for i := 0; i < d.Len(); i++ {
		switch d.Kind() {
		case Episodes:
			_, _ = d.Episode(i)
		case Geometric:
			_, _ = d.Trajectory(i)
		case Fields:
			_, _ = d.Field(i)
		}
		for _, c := range d.SequenceColumns() {
			_, _ = d.Steps(i, c)
		}
	}
	_, _ = d.ComputeStats(context.Background())
	for _, norm := range []NormalizerKind{NormNone, NormMinMax} {
		s, err := NewSegmentSampler(d, SamplerConfig{Horizon: 2, Normalizer: norm})
		if err != nil || s.Len() == 0 {
			continue
		}
		var b Batch
		_ = s.Fill(&b, []int{0, s.Len() - 1})
	}
}

func FuzzOpenIPC(f *testing.F) {
	for _, b := range seedFiles(f, ".arrow", WriteOptions{}) {
		f.Add(b)
	}
	for _, b := range seedFiles(f, ".arrow", WriteOptions{Compression: CompressionZstd, DType: Float64}) {
		f.Add(b)
	}
	for _, b := range seedFiles(f, ".arrow", WriteOptions{Compression: CompressionLZ4}) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) { exercise(data) })
}

func FuzzOpenParquet(f *testing.F) {
	for _, b := range seedFiles(f, ".parquet", WriteOptions{}) {
		f.Add(b)
	}
	for _, b := range seedFiles(f, ".parquet", WriteOptions{Compression: CompressionZstd, DType: Float64}) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) { exercise(data) })
}

func FuzzOpenIPCStream(f *testing.F) {
	// An IPC file's bytes after the 8-byte magic are a valid IPC stream followed by the footer.
	for _, b := range seedFiles(f, ".arrow", WriteOptions{}) {
		f.Add(b[8:])
	}
	f.Fuzz(func(t *testing.T, data []byte) { exercise(data) })
}
