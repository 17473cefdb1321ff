package datasets

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// nodeInterop returns the node binary and the interop script, or skips the test when node or the
// apache-arrow module is missing, unless TRAJDIFF_REQUIRE_NODE=1 (set by .ci/check.d/datasets.sh)
// turns the skip into a failure.
func nodeInterop(t *testing.T) (string, string) {
	t.Helper()
	script, _ := filepath.Abs("../scripts/datasets/arrow_interop.mjs")
	node, err := exec.LookPath("node")
	missing := ""
	if err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat("../scripts/datasets/node_modules/apache-arrow/package.json"); err != nil {
		missing = "apache-arrow is not installed (run .ci/install.d/datasets.sh)"
	}
	if missing != "" {
		if os.Getenv("TRAJDIFF_REQUIRE_NODE") == "1" {
			t.Fatalf("TRAJDIFF_REQUIRE_NODE=1 but %s", missing)
		}
		t.Skip(missing)
	}
	return node, script
}

func runNode(t *testing.T, node string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(node, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// TestArrowJSReadsTrajdiffFiles: a file written by trajdiff is read by apache-arrow (JS) with the
// same values and metadata.
func TestArrowJSReadsTrajdiffFiles(t *testing.T) {
	node, script := nodeInterop(t)
	spec := testEpisodeSpec
	eps := makeEpisodes(21, 6, 9, spec)
	path := filepath.Join(t.TempDir(), "e.arrow")
	writeEpisodes(t, path, spec, eps, WriteOptions{BatchRows: 10, Generator: Generator{Name: "go", Seed: 5}})
	var got struct {
		NumRows  int
		Metadata map[string]string
		Columns  map[string]struct {
			Type   string
			Values []any
		}
	}
	if err := json.Unmarshal(runNode(t, node, script, "read", path), &got); err != nil {
		t.Fatal(err)
	}
	var obs, rew, goal []float64
	var term []bool
	var ids []float64
	for i, e := range eps {
		obs = append(obs, e.Observations...)
		rew = append(rew, e.Rewards...)
		goal = append(goal, e.Infos["goal"]...)
		term = append(term, e.Terminals...)
		for range e.Rewards {
			ids = append(ids, float64(i))
		}
	}
	if got.NumRows != len(rew) || got.Metadata[KeySchemaVersion] != "1" || got.Metadata[KeyKind] != "episodes" {
		t.Fatalf("rows %d metadata %v", got.NumRows, got.Metadata)
	}
	var stats map[string]ColumnStats
	if err := json.Unmarshal([]byte(got.Metadata[KeyStats]), &stats); err != nil || stats[ColRewards].Count != int64(len(rew)) {
		t.Fatalf("statistics as seen by JS: %v %v", got.Metadata[KeyStats], err)
	}
	check := func(col string, want []float64) {
		c := got.Columns[col]
		if len(c.Values) != len(want) {
			t.Fatalf("%s (%s): %d values, want %d", col, c.Type, len(c.Values), len(want))
		}
		for i, w := range want {
			if v, ok := c.Values[i].(float64); !ok || v != float64(float32(w)) {
				t.Fatalf("%s[%d] = %v, want %v", col, i, c.Values[i], float32(w))
			}
		}
	}
	check(ColObservations, obs)
	check(ColRewards, rew)
	check(InfoPrefix+"goal", goal)
	check(ColEpisode, ids)
	for i, w := range term {
		if got.Columns[ColTerminals].Values[i] != w {
			t.Fatalf("terminals[%d] = %v, want %v", i, got.Columns[ColTerminals].Values[i], w)
		}
	}
}

// TestTrajdiffReadsArrowJSFiles: a geometric dataset written by apache-arrow (JS) opens, validates
// and has the values of the script's formulas.
func TestTrajdiffReadsArrowJSFiles(t *testing.T) {
	node, script := nodeInterop(t)
	path := filepath.Join(t.TempDir(), "js.arrow")
	runNode(t, node, script, "write", path)
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	md := d.Metadata()
	if d.Kind() != Geometric || d.Len() != 3 || md.Units[ColPositions] != "nm" || md.Generator.Name != "apache-arrow-js" || md.Geometric.Dt != 0.5 {
		t.Fatalf("kind %v len %d metadata %+v", d.Kind(), d.Len(), md)
	}
	for i := 0; i < 3; i++ {
		v, err := d.Trajectory(i)
		if err != nil {
			t.Fatal(err)
		}
		if v.ID != int64(10+i) {
			t.Fatalf("id %d, want %d", v.ID, 10+i)
		}
		for k := 0; k < 12; k++ {
			if want := float64(i) + float64(k)/8; v.Positions.At(k) != want {
				t.Fatalf("trajectory %d positions[%d] = %v, want %v", i, k, v.Positions.At(k), want)
			}
		}
		if v.NodeFeatures.At(1) != float64(100*i+1) {
			t.Fatalf("node_features %v", v.NodeFeatures.AppendFloat64(nil))
		}
	}
	// The file has no stored statistics; they can be computed.
	st, err := d.ComputeStats(context.Background())
	if err != nil || st[ColPositions].Count != 3*2*2 {
		t.Fatalf("computed statistics %+v %v", st[ColPositions], err)
	}
}
