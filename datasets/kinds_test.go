package datasets

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

var testGeomSpec = GeometricSpec{Frames: 5, Nodes: 4, SpatialDim: 3, NodeFeatureDim: 2, ParamDim: 1,
	Velocities: true, Forces: true, Energies: true, Edges: true, Dt: 0.01}

func makeGeometric(seed uint64, n int, s GeometricSpec) []GeometricTrajectory {
	r := rand.New(rand.NewPCG(seed, 2))
	vec := func(k int) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return v
	}
	out := make([]GeometricTrajectory, n)
	TND := s.Frames * s.Nodes * s.SpatialDim
	for i := range out {
		out[i] = GeometricTrajectory{Positions: vec(TND), Velocities: vec(TND), Forces: vec(TND), Energies: vec(s.Frames),
			NodeFeatures: vec(s.Nodes * s.NodeFeatureDim), Params: vec(s.ParamDim)}
		for e := 0; e < i%4; e++ {
			out[i].Edges = append(out[i].Edges, int32(r.IntN(s.Nodes)), int32(r.IntN(s.Nodes)))
		}
	}
	return out
}

func TestGeometricRoundTrip(t *testing.T) {
	trs := makeGeometric(3, 23, testGeomSpec)
	for _, file := range []string{"g.arrow", "g.parquet"} {
		for _, dt := range []DType{Float32, Float64} {
			path := filepath.Join(t.TempDir(), file)
			w, err := CreateGeometric(path, testGeomSpec, WriteOptions{DType: dt, BatchRows: 5, Units: map[string]string{ColPositions: "angstrom"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range trs {
				if err := w.Write(tr); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			d, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if d.Len() != len(trs) {
				t.Fatalf("%d trajectories, want %d", d.Len(), len(trs))
			}
			for i, tr := range trs {
				v, err := d.Trajectory(i)
				if err != nil {
					t.Fatal(err)
				}
				checkTensor(t, "positions", v.Positions, tr.Positions, dt)
				checkTensor(t, "velocities", v.Velocities, tr.Velocities, dt)
				checkTensor(t, "forces", v.Forces, tr.Forces, dt)
				checkTensor(t, "energies", v.Energies, tr.Energies, dt)
				checkTensor(t, "node_features", v.NodeFeatures, tr.NodeFeatures, dt)
				checkTensor(t, "params", v.Params, tr.Params, dt)
				if len(v.Edges) != len(tr.Edges) {
					t.Fatalf("edges %v, want %v", v.Edges, tr.Edges)
				}
				for k := range v.Edges {
					if v.Edges[k] != tr.Edges[k] {
						t.Fatalf("edges %v, want %v", v.Edges, tr.Edges)
					}
				}
				if got := v.Positions.Shape; len(got) != 3 || got[0] != 5 || got[1] != 4 || got[2] != 3 {
					t.Fatalf("positions shape %v", got)
				}
				st, err := d.Steps(i, ColPositions)
				if err != nil || st.Shape[0] != 5 || st.Shape[1] != 12 {
					t.Fatalf("Steps: %v %v", st.Shape, err)
				}
			}
			if st := d.Metadata().Stats[ColPositions]; st.Dim() != 3 || st.Count != int64(23*5*4) {
				t.Fatalf("positions statistics %+v: want 3 components over %d samples", st, 23*5*4)
			}
			if err := d.Validate(context.Background()); err != nil {
				t.Fatal(err)
			}
			d.Close()
		}
	}
}

func TestFieldsRoundTrip(t *testing.T) {
	spec := FieldSpec{Frames: 3, Grid: []int{4, 5}, StateChannels: 2, ControlChannels: 1, ParamDim: 2, Dt: 0.1,
		Extent: [][2]float64{{0, 1}, {0, 2}}, StateNames: []string{"u", "v"}}
	r := rand.New(rand.NewPCG(9, 9))
	vec := func(k int) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = r.Float64()
		}
		return v
	}
	var trs []FieldTrajectory
	for i := 0; i < 11; i++ {
		trs = append(trs, FieldTrajectory{State: vec(3 * 20 * 2), Control: vec(3 * 20), Params: vec(2)})
	}
	path := filepath.Join(t.TempDir(), "f")
	w, err := CreateFields(path, spec, WriteOptions{ShardRows: 4, BatchRows: 2, Compression: CompressionZstd})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trs {
		if err := w.Write(tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write(FieldTrajectory{State: vec(5)}); err == nil {
		t.Fatal("wrong state size accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if len(d.Files()) != 3 || d.Len() != 11 {
		t.Fatalf("files %v, len %d: want 3 shards of 11 trajectories", d.Files(), d.Len())
	}
	for i, tr := range trs {
		v, err := d.Field(i)
		if err != nil {
			t.Fatal(err)
		}
		checkTensor(t, "state", v.State, tr.State, Float32)
		checkTensor(t, "control", v.Control, tr.Control, Float32)
		checkTensor(t, "params", v.Params, tr.Params, Float32)
		if v.ID != int64(i) {
			t.Fatalf("id %d, want %d", v.ID, i)
		}
	}
	md := d.Metadata()
	if md.Fields.StateNames[1] != "v" || md.Fields.Extent[1][1] != 2 {
		t.Fatalf("spec not preserved: %+v", md.Fields)
	}
	// Statistics merged over shards equal statistics over all state values per channel.
	m := newMoments(2)
	for _, tr := range trs {
		m.addFloat32(func() []float32 {
			out := make([]float32, len(tr.State))
			for i, v := range tr.State {
				out[i] = float32(v)
			}
			return out
		}())
	}
	want, got := m.stats(), md.Stats[ColState]
	for j := 0; j < 2; j++ {
		if got.Count != want.Count || abs(got.Mean[j]-want.Mean[j]) > 1e-12 || abs(got.Std[j]-want.Std[j]) > 1e-12 || got.Max[j] != want.Max[j] {
			t.Fatalf("merged stats %+v, want %+v", got, want)
		}
	}
	s, err := NewSegmentSampler(d, SamplerConfig{Horizon: 2, Normalizer: NormGaussian})
	if err != nil {
		t.Fatal(err)
	}
	// Frames 3, horizon 2: max_start = min(3-1, 3-2) = 1 and range(1) = {0}: one window each.
	if s.Len() != 11 || s.Dim() != 40 {
		t.Fatalf("windows %d dim %d, want 11 and 40", s.Len(), s.Dim())
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
