package pde_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/pde"
	"github.com/trajdiff/trajdiff/pde/advection"
	"github.com/trajdiff/trajdiff/pde/burgers"
	"github.com/trajdiff/trajdiff/pde/cns"
)

func smallBurgers(t *testing.T) burgers.Generator {
	t.Helper()
	p := burgers.DefaultParams()
	p.Cells, p.Refine, p.Frames, p.DiffusionNumber = 32, 2, 4, 0.05
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return burgers.Generator{Params: p}
}

func readStates(t *testing.T, paths ...string) ([][]float64, datasets.Metadata) {
	t.Helper()
	d, err := datasets.OpenFiles(paths...)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var rows [][]float64
	for i := 0; i < d.Len(); i++ {
		v, err := d.Field(i)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, append(v.State.AppendFloat64(nil), v.Control.AppendFloat64(nil)...))
	}
	return rows, d.Metadata()
}

// TestWriteFieldsWorkersAndShards: the file is byte-identical for 1 and 3 workers, its rows are the
// generator's trajectories, and shards written separately open together as the same rows.
func TestWriteFieldsWorkersAndShards(t *testing.T) {
	dir := t.TempDir()
	g := smallBurgers(t)
	ctx := context.Background()
	opts := datasets.WriteOptions{DType: datasets.Float64}
	write := func(name string, cfg pde.WriteConfig) string {
		p := filepath.Join(dir, name)
		if _, _, err := pde.WriteFields(ctx, p, g, cfg, opts); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one := write("one.arrow", pde.WriteConfig{Total: 7, Seed: 5, Workers: 1})
	three := write("three.arrow", pde.WriteConfig{Total: 7, Seed: 5, Workers: 3})
	a, _ := os.ReadFile(one)
	b, _ := os.ReadFile(three)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("1 and 3 workers wrote different files (%d vs %d bytes)", len(a), len(b))
	}
	var parts []string
	for i := range 3 {
		parts = append(parts, write("part"+string(rune('0'+i))+".arrow", pde.WriteConfig{Total: 7, Seed: 5, Shard: i, Shards: 3, Workers: 2}))
	}
	full, md := readStates(t, one)
	sharded, _ := readStates(t, parts...)
	if len(full) != 7 || !slices.EqualFunc(full, sharded, slices.Equal) {
		t.Fatalf("%d trajectories; shards together equal the full file: %v", len(full), slices.EqualFunc(full, sharded, slices.Equal))
	}
	if md.Generator.Name != "trajdiff/pde burgers" || md.Generator.Seed != 5 || md.Generator.Params["refine"] != float64(2) ||
		md.Fields.Frames != 5 || md.Fields.ControlNames[0] != "f" {
		t.Errorf("metadata %+v / %+v", md.Fields, md.Generator)
	}
	_, m1 := readStates(t, parts[1])
	if m1.Generator.Params["first_trajectory"] != float64(2) || m1.Generator.Params["trajectories"] != float64(2) {
		t.Errorf("shard 1/3 of 7 should hold trajectories 2..3: %v", m1.Generator.Params)
	}
	s, err := g.NewSolver()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := g.Trajectory(ctx, s, 5, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := g.Row(tr)
	if !slices.Equal(full[4], append(slices.Clone(want.State), want.Control...)) {
		t.Error("row 4 is not the generator's trajectory 4")
	}
}

func TestWriteFieldsRejects(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.arrow")
	g := smallBurgers(t)
	for name, cfg := range map[string]pde.WriteConfig{
		"shard 3/3":      {Total: 4, Shard: 3, Shards: 3},
		"negative total": {Total: -1},
		"huge seed":      {Total: 1, Seed: 1 << 63},
	} {
		if _, _, err := pde.WriteFields(context.Background(), path, g, cfg, datasets.WriteOptions{}); !errors.Is(err, pde.ErrInvalidParams) {
			t.Errorf("%s: got %v, want ErrInvalidParams", name, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := pde.WriteFields(ctx, path, g, pde.WriteConfig{Total: 3}, datasets.WriteOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a failed write left %s", path)
	}
}

// TestWriteFieldsEverySystem: every system's FieldSpec matches its rows (the writer checks each row
// against the spec) and its parameters reach the metadata.
func TestWriteFieldsEverySystem(t *testing.T) {
	ap := advection.DefaultParams()
	ap.Cells, ap.Frames = 64, 5
	cp := cns.DefaultParams()
	cp.Cells, cp.Frames, cp.T = 64, 4, 0.1
	for _, sys := range []pde.FieldSystem{advection.Generator{Params: ap}, advection.Generator{Params: ap, Method: advection.Exact},
		cns.Generator{Params: cp}} {
		path := filepath.Join(t.TempDir(), sys.Name()+".arrow")
		if _, _, err := pde.WriteFields(context.Background(), path, sys, pde.WriteConfig{Total: 2, Seed: 1}, datasets.WriteOptions{}); err != nil {
			t.Fatalf("%s: %v", sys.Name(), err)
		}
		rows, md := readStates(t, path)
		if len(rows) != 2 || md.Generator.Params["frames"] != float64(md.Fields.Frames) || md.Generator.Params["cells"] != float64(64) {
			t.Errorf("%s: %d rows, spec %+v, params %v", sys.Name(), len(rows), md.Fields, md.Generator.Params)
		}
	}
}
