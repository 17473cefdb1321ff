package datasets

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
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

// writeMD17Ramp writes an sGDML-layout npz of frames frames of 3 atoms (z = 8, 1, 6) whose positions
// name their source frame: R[f, a, d] = f + a/10 + d/100; E[f] = -f, F = -R.
func writeMD17Ramp(t *testing.T, frames int, z []int64) string {
	t.Helper()
	n := len(z)
	R := make([]float64, frames*n*3)
	F := make([]float64, len(R))
	E := make([]float64, frames)
	for f := 0; f < frames; f++ {
		E[f] = -float64(f)
		for a := 0; a < n; a++ {
			for d := 0; d < 3; d++ {
				i := (f*n+a)*3 + d
				R[i] = float64(f) + float64(a)/10 + float64(d)/100
				F[i] = -R[i]
			}
		}
	}
	p := filepath.Join(t.TempDir(), "ramp.npz")
	if err := npy.WriteNPZ(p, map[string]*npy.Array{"R": npy.Float64Array([]int{frames, n, 3}, R), "F": npy.Float64Array([]int{frames, n, 3}, F),
		"E": npy.Float64Array([]int{frames, 1}, E), "z": npy.Int64Array([]int{n}, z)}); err != nil {
		t.Fatal(err)
	}
	return p
}

// md17Frames imports with o and returns, per trajectory, the source frame of each of its frames
// (read back from positions and checked against forces and energies).
func md17Frames(t *testing.T, in string, o MD17Options) [][]int {
	t.Helper()
	out := filepath.Join(t.TempDir(), "o.arrow")
	o.Write.DType = Float64
	rep, err := ImportMD17(context.Background(), in, out, o)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Len() != rep.Trajectories {
		t.Fatalf("%d trajectories stored, report %+v", d.Len(), rep)
	}
	var all [][]int
	for i := 0; i < d.Len(); i++ {
		v, err := d.Trajectory(i)
		if err != nil {
			t.Fatal(err)
		}
		T := v.Positions.Shape[0]
		N := v.Positions.Shape[1]
		var fr []int
		for k := 0; k < T; k++ {
			f := v.Positions.At(k * N * 3)
			if v.Energies.At(k) != -f || v.Forces.At(k*N*3+N*3-1) != -v.Positions.At(k*N*3+N*3-1) {
				t.Fatalf("trajectory %d frame %d: energy %v, forces and positions disagree with frame %v", i, k, v.Energies.At(k), f)
			}
			fr = append(fr, int(f))
		}
		all = append(all, fr)
	}
	return all
}

func TestImportMD17GeoTDMProtocol(t *testing.T) {
	in := writeMD17Ramp(t, 101, []int64{8, 1, 6})
	// Every 10 keeps frames 0, 10, ..., 100: 11 frames; 60/20/20 boundaries at 6 and 8.
	for _, c := range []struct {
		split string
		want  []int
	}{{"", []int{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100}}, {"train", []int{0, 10, 20, 30, 40, 50}}, {"val", []int{60, 70}}, {"test", []int{80, 90, 100}}} {
		got := md17Frames(t, in, MD17Options{Every: 10, Split: c.split})
		if len(got) != 1 || !slices.Equal(got[0], c.want) {
			t.Errorf("split %q: frames %v, want %v", c.split, got, c.want)
		}
	}
	// Windows of 5 frames in the first 60 of 101 frames (split train, every 1): stride (60-5+1)/7 = 8.
	got := md17Frames(t, in, MD17Options{Split: "train", FramesPerTrajectory: 5, Windows: 7})
	if len(got) != 7 {
		t.Fatalf("%d windows, want 7", len(got))
	}
	for k, w := range got {
		if !slices.Equal(w, []int{8 * k, 8*k + 1, 8*k + 2, 8*k + 3, 8*k + 4}) {
			t.Errorf("window %d: frames %v", k, w)
		}
	}
	// Test split, every 2: frames 0..100 step 2 are 51 frames, test = kept [40, 51) = source 80..100;
	// 3 windows of 4 frames: stride (11-4+1)/3 = 2 kept frames = 4 source frames.
	got = md17Frames(t, in, MD17Options{Every: 2, Split: "test", FramesPerTrajectory: 4, Windows: 3})
	want := [][]int{{80, 82, 84, 86}, {84, 86, 88, 90}, {88, 90, 92, 94}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("test windows %v, want %v", got, want)
	}
	// As many windows as starts: stride 1, the last window ends at the split's last frame.
	got = md17Frames(t, in, MD17Options{Every: 10, Split: "train", FramesPerTrajectory: 3, Windows: 4})
	if len(got) != 4 || !slices.Equal(got[3], []int{30, 40, 50}) {
		t.Errorf("windows %v", got)
	}
	// The default is unchanged: consecutive trajectories, the remainder dropped and counted.
	rep, err := ImportMD17(context.Background(), in, filepath.Join(t.TempDir(), "d.arrow"), MD17Options{FramesPerTrajectory: 30})
	if err != nil || rep.Trajectories != 3 || rep.DroppedFrames != 11 {
		t.Errorf("default import: %+v, %v", rep, err)
	}
}

func TestImportMD17RejectsBadOptions(t *testing.T) {
	in := writeMD17Ramp(t, 101, []int64{8, 1, 6})
	for _, c := range []struct {
		o    MD17Options
		want string
	}{
		{MD17Options{Every: -1}, "every -1"},
		{MD17Options{Split: "validation"}, `unknown split "validation"`},
		{MD17Options{Windows: 3}, "need a window length"},
		{MD17Options{Windows: -1, FramesPerTrajectory: 2}, "must not be negative"},
		{MD17Options{Every: 10, Split: "val", FramesPerTrajectory: 3}, "3 frames per trajectory for 2 frames"},
		{MD17Options{Every: 10, Split: "train", FramesPerTrajectory: 3, Windows: 5}, "5 windows of 3 frames do not fit 6 frames (4 window starts"},
		{MD17Options{Every: 200, Split: "train"}, "is empty"},
		{MD17Options{Features: "onehot"}, `unknown features "onehot"`},
	} {
		_, err := ImportMD17(context.Background(), in, filepath.Join(t.TempDir(), "x.arrow"), c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.o, err, c.want)
		}
	}
	// Options that need no data are refused before the file is read.
	if _, err := ImportMD17(context.Background(), "missing.npz", filepath.Join(t.TempDir(), "x.arrow"), MD17Options{Split: "holdout"}); err == nil || !strings.Contains(err.Error(), "unknown split") {
		t.Errorf("bad split with a missing file: %v", err)
	}
	heavy := writeMD17Ramp(t, 10, []int64{8, 11})
	if _, err := ImportMD17(context.Background(), heavy, filepath.Join(t.TempDir(), "x.arrow"), MD17Options{Features: "geotdm"}); err == nil || !strings.Contains(err.Error(), "atom 1 has 11") {
		t.Errorf("sodium one-hot: %v", err)
	}
}

func TestImportMD17GeoTDMFeatures(t *testing.T) {
	in := writeMD17Ramp(t, 4, []int64{8, 1, 6})
	out := filepath.Join(t.TempDir(), "f.arrow")
	if _, err := ImportMD17(context.Background(), in, out, MD17Options{Features: MD17FeaturesGeoTDM, Write: WriteOptions{DType: Float64}}); err != nil {
		t.Fatal(err)
	}
	d, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	md := d.Metadata()
	if md.Geometric.NodeFeatureDim != 30 || md.Geometric.NodeFeatureNames[3*8+2] != "z8_pow2" || md.Generator.Params["features"] != "geotdm" {
		t.Fatalf("metadata %+v %+v", md.Geometric, md.Generator)
	}
	v, err := d.Trajectory(0)
	if err != nil {
		t.Fatal(err)
	}
	for a, z := range []int{8, 1, 6} {
		for i := 0; i < 30; i++ {
			want := 0.0
			if i/3 == z {
				want = math.Pow(float64(z)/10, float64(i%3))
			}
			if got := v.NodeFeatures.At(a*30 + i); math.Abs(got-want) > 1e-12 {
				t.Errorf("atom %d feature %d = %v, want %v", a, i, got, want)
			}
		}
	}
}
