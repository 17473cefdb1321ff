package datasets

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// writeRawIPC writes a one-batch IPC file with arbitrary schema and metadata, bypassing the
// dataset writer, to build bad files.
func writeRawIPC(t *testing.T, path string, md map[string]string, fields []arrow.Field, cols []arrow.Array) {
	t.Helper()
	var keys, vals []string
	for k, v := range md {
		keys, vals = append(keys, k), append(vals, v)
	}
	meta := arrow.NewMetadata(keys, vals)
	schema := arrow.NewSchema(fields, &meta)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	rec := array.NewRecordBatch(schema, cols, int64(cols[0].Len()))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func fsl(width int, vals []float32) arrow.Array {
	b := array.NewFixedSizeListBuilder(memory.DefaultAllocator, int32(width), arrow.PrimitiveTypes.Float32)
	vb := b.ValueBuilder().(*array.Float32Builder)
	for i := 0; i < len(vals)/width; i++ {
		b.Append(true)
	}
	vb.AppendValues(vals, nil)
	return b.NewArray()
}

func int64s(v ...int64) arrow.Array {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	b.AppendValues(v, nil)
	return b.NewArray()
}

func geomMeta(t *testing.T, version string) map[string]string {
	m := &Metadata{Kind: Geometric, Geometric: &GeometricSpec{Frames: 1, Nodes: 2, SpatialDim: 3}}
	md, err := m.arrowMetadata("")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for i, k := range md.Keys() {
		out[k] = md.Values()[i]
	}
	if version == "" {
		delete(out, KeySchemaVersion)
	} else {
		out[KeySchemaVersion] = version
	}
	return out
}

func TestOpenRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	posField := arrow.Field{Name: ColPositions, Type: arrow.FixedSizeListOf(6, arrow.PrimitiveTypes.Float32)}
	idField := arrow.Field{Name: ColTrajectory, Type: arrow.PrimitiveTypes.Int64}
	cases := []struct {
		name   string
		md     map[string]string
		fields []arrow.Field
		cols   []arrow.Array
		want   []string
	}{
		{"no-version", geomMeta(t, ""), []arrow.Field{idField, posField}, []arrow.Array{int64s(0, 1), fsl(6, good)}, []string{"missing schema version"}},
		{"wrong-version", geomMeta(t, "2"), []arrow.Field{idField, posField}, []arrow.Array{int64s(0, 1), fsl(6, good)}, []string{`schema version "2" is not supported`}},
		{"missing-column", geomMeta(t, "1"), []arrow.Field{idField}, []arrow.Array{int64s(0, 1)}, []string{`column "positions"`, "missing"}},
		{"wrong-shape", geomMeta(t, "1"),
			[]arrow.Field{idField, {Name: ColPositions, Type: arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Float32)}},
			[]arrow.Array{int64s(0, 1, 2), fsl(4, good)}, []string{`column "positions"`, "fixed_size_list", "[1 2 3]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".arrow")
			writeRawIPC(t, path, tc.md, tc.fields, tc.cols)
			_, err := Open(path)
			if err == nil {
				t.Fatal("opened a bad file")
			}
			for _, w := range append(tc.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	t.Run("nan", func(t *testing.T) {
		path := filepath.Join(dir, "nan.arrow")
		bad := append([]float32(nil), good...)
		bad[9] = float32(math.NaN())
		writeRawIPC(t, path, geomMeta(t, "1"), []arrow.Field{idField, posField}, []arrow.Array{int64s(0, 1), fsl(6, bad)})
		d, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		err = d.Validate(context.Background())
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Column != ColPositions || ve.Row != 1 || ve.Element != 3 || ve.File != path {
			t.Fatalf("got %v, want a ValidationError at positions row 1 element 3", err)
		}
	})
	t.Run("not-arrow", func(t *testing.T) {
		path := filepath.Join(dir, "text.arrow")
		os.WriteFile(path, []byte("hello, world"), 0o644)
		if _, err := Open(path); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "not an Arrow IPC or Parquet file") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestTruncatedFilesFailCleanly(t *testing.T) {
	spec := testEpisodeSpec
	eps := makeEpisodes(2, 3, 4, spec)
	for _, name := range []string{"t.arrow", "t.parquet"} {
		path := filepath.Join(t.TempDir(), name)
		writeEpisodes(t, path, spec, eps, WriteOptions{BatchRows: 3})
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(data); n++ {
			d, err := OpenBytes(name, data[:n])
			if err == nil {
				d.Close()
				t.Fatalf("%s truncated to %d of %d bytes opened", name, n, len(data))
			}
		}
		// Flipping bytes must never panic; it may or may not be detected.
		for i := 0; i < len(data); i++ {
			b := append([]byte(nil), data...)
			b[i] ^= 0xa5
			if d, err := OpenBytes(name, b); err == nil {
				_ = d.Validate(context.Background())
				for k := 0; k < d.Len(); k++ {
					_, _ = d.Episode(k)
				}
				d.Close()
			}
		}
	}
}

func TestWriterIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "e.arrow")
	spec := testEpisodeSpec
	eps := makeEpisodes(4, 5, 6, spec)
	w, err := CreateEpisodes(path, spec, WriteOptions{BatchRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range eps {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	// Before Close (e.g. the process is killed here) nothing exists under the final name, and
	// the hidden temporary file does not open as a dataset.
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("final file exists before Close: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), ".e.arrow.tmp-") {
		t.Fatalf("want one hidden temporary file, got %v", entries)
	}
	if _, err := Open(filepath.Join(dir, entries[0].Name())); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("incomplete temporary file opened or wrong error: %v", err)
	}
	w.Abort()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("Abort left %v", entries)
	}
	// Validation errors drop the bad episode only.
	w, err = CreateEpisodes(path, spec, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad := makeEpisodes(5, 1, 3, spec)[0]
	bad.Observations[len(bad.Observations)-1] = math.Inf(1)
	if err := w.Write(eps[0]); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(bad); err == nil || !strings.Contains(err.Error(), "not finite") {
		t.Fatalf("infinite observation: %v", err)
	}
	early := makeEpisodes(6, 1, 1, spec)[0]
	early = Episode{Observations: append(early.Observations, early.Observations...), Actions: append(early.Actions, early.Actions...),
		Rewards: []float64{1, 2}, Terminals: []bool{true, false}, Infos: map[string][]float64{"goal": {1, 2, 3, 4}, "qpos": {1, 2}}}
	if err := w.Write(early); err == nil || !strings.Contains(err.Error(), "before the last step") {
		t.Fatalf("terminal before the end: %v", err)
	}
	if err := w.Write(eps[1]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Len() != 2 || d.NumRows() != int64(len(eps[0].Rewards)+len(eps[1].Rewards)) {
		t.Fatalf("len %d rows %d after rejected episodes", d.Len(), d.NumRows())
	}
	ep, _ := d.Episode(1)
	checkTensor(t, "observations", ep.Observations, eps[1].Observations, Float32)
	if _, err := CreateEpisodes(path, spec, WriteOptions{}); err == nil {
		t.Fatal("overwrote an existing file without Overwrite")
	}
}
