package datasets

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/datasets/npy"
)

const testdata = "../testdata/datasets"

func TestImportMD17(t *testing.T) {
	out := filepath.Join(t.TempDir(), "md17.arrow")
	rep, err := ImportMD17(context.Background(), filepath.Join(testdata, "md17_tiny.npz"), out, MD17Options{FramesPerTrajectory: 4, Write: WriteOptions{DType: Float64}})
	if err != nil {
		t.Fatal(err)
	}
	// 6 frames in trajectories of 4: one trajectory, 2 frames dropped.
	if rep.Trajectories != 1 || rep.DroppedFrames != 2 {
		t.Fatalf("report %+v", rep)
	}
	d, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	v, err := d.Trajectory(0)
	if err != nil {
		t.Fatal(err)
	}
	// make_testdata.py: R = 0.1 i - 0.4, F = 0.25 i - 2, E = -1.5 i - 100 (C order), z = [8, 1, 1].
	for i := 0; i < 4*3*3; i++ {
		if v.Positions.At(i) != float64(i)*0.1-0.4 || v.Forces.At(i) != float64(i)*0.25-2 {
			t.Fatalf("element %d: positions %v forces %v", i, v.Positions.At(i), v.Forces.At(i))
		}
	}
	for i := 0; i < 4; i++ {
		if v.Energies.At(i) != float64(i)*-1.5-100 {
			t.Fatalf("energy %d = %v", i, v.Energies.At(i))
		}
	}
	if v.NodeFeatures.At(0) != 8 || v.NodeFeatures.At(2) != 1 {
		t.Fatalf("atomic numbers %v", v.NodeFeatures.AppendFloat64(nil))
	}
	md := d.Metadata()
	if md.Units[ColPositions] != "angstrom" || md.Generator.Params["name"] != "water" || md.Geometric.Nodes != 3 {
		t.Fatalf("metadata %+v", md)
	}
}

func TestFromNumPyTransposesAxes(t *testing.T) {
	a, err := npy.ReadFile(filepath.Join(testdata, "fields_time_traj_channel_x.npy"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "f.parquet")
	rep, err := FromNumPy(context.Background(), out, NumPyOptions{Kind: Fields, Arrays: map[string]*npy.Array{ColState: a},
		Axes: map[string][]string{ColState: {"time", "trajectory", "channel", "x"}}, Dt: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Trajectories != 2 {
		t.Fatalf("report %+v", rep)
	}
	d, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := d.Metadata().Fields
	if s.Frames != 3 || len(s.Grid) != 1 || s.Grid[0] != 4 || s.StateChannels != 2 || s.Dt != 0.5 {
		t.Fatalf("spec %+v", s)
	}
	// state[trajectory, time, x, channel] = 0.125 * (C-order index) + 1.
	for tr := 0; tr < 2; tr++ {
		v, _ := d.Field(tr)
		for i := 0; i < 24; i++ {
			if want := float64(tr*24+i)*0.125 + 1; v.State.At(i) != want {
				t.Fatalf("trajectory %d element %d = %v, want %v", tr, i, v.State.At(i), want)
			}
		}
	}
	if _, err := FromNumPy(context.Background(), out+"2", NumPyOptions{Kind: Fields, Arrays: map[string]*npy.Array{ColState: a},
		Axes: map[string][]string{ColState: {"time", "trajectory", "channel", "w"}}}); err == nil {
		t.Fatal("unknown axis name accepted")
	}
}

func TestSplitEpisodesLikeD4RL(t *testing.T) {
	// 7 steps; terminal at 2, timeout at 4, two trailing steps without a flag.
	f := FlatEpisodes{Spec: EpisodeSpec{ObservationDim: 1, ActionDim: 1},
		Observations: []float64{0, 1, 2, 3, 4, 5, 6}, Actions: []float64{0, 1, 2, 3, 4, 5, 6}, Rewards: []float64{0, 1, 2, 3, 4, 5, 6},
		Terminals: []bool{false, false, true, false, false, false, false}, Timeouts: []bool{false, false, false, false, true, false, false}}
	eps, dropped, err := SplitEpisodes(f, false)
	if err != nil || len(eps) != 3 || dropped != 0 || len(eps[0].Rewards) != 3 || len(eps[1].Rewards) != 2 || len(eps[2].Rewards) != 2 {
		t.Fatalf("split: %d episodes, dropped %d, err %v", len(eps), dropped, err)
	}
	if !eps[0].Terminals[2] || !eps[1].Timeouts[1] || eps[2].Rewards[0] != 5 {
		t.Fatalf("flags or values wrong: %+v", eps)
	}
	eps, dropped, _ = SplitEpisodes(f, true)
	if len(eps) != 2 || dropped != 2 {
		t.Fatalf("drop incomplete: %d episodes, dropped %d", len(eps), dropped)
	}
}

func TestRewriteIPCToParquet(t *testing.T) {
	dir := t.TempDir()
	eps := makeEpisodes(11, 9, 7, testEpisodeSpec)
	src := filepath.Join(dir, "a.arrow")
	writeEpisodes(t, src, testEpisodeSpec, eps, WriteOptions{Generator: Generator{Name: "gen", Seed: 3}})
	d, err := Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	dst := filepath.Join(dir, "b.parquet")
	if err := Rewrite(context.Background(), d, dst, WriteOptions{Compression: CompressionZstd}, nil); err != nil {
		t.Fatal(err)
	}
	e, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Format() != FormatParquet || e.Len() != len(eps) || e.Metadata().Generator.Seed != 3 {
		t.Fatalf("format %v len %d generator %+v", e.Format(), e.Len(), e.Metadata().Generator)
	}
	for i, ep := range eps {
		v, _ := e.Episode(i)
		checkTensor(t, "observations", v.Observations, ep.Observations, Float32)
		checkTensor(t, "qpos", v.Infos["qpos"], ep.Infos["qpos"], Float32)
	}
	a, b := d.Metadata().Stats[ColActions], e.Metadata().Stats[ColActions]
	for j := range a.Mean {
		if abs(a.Mean[j]-b.Mean[j]) > 1e-12 || a.Min[j] != b.Min[j] {
			t.Fatalf("statistics changed: %+v vs %+v", a, b)
		}
	}
}
