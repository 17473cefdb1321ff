//go:build hdf5 && cgo

package d4rl

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/datasets"
)

// TestImportH5pyFile reads testdata/datasets/d4rl_tiny.hdf5, written by h5py
// (scripts/datasets/make_testdata.py): 12 steps, terminal at step 4, timeout at step 8.
func TestImportH5pyFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "d4rl.arrow")
	rep, err := Import(context.Background(), "../../testdata/datasets/d4rl_tiny.hdf5", out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Trajectories != 3 || rep.Rows != 12 {
		t.Fatalf("report %+v, want 3 episodes of 12 steps", rep)
	}
	d, err := datasets.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	spec := d.Metadata().Episodes
	if spec.ObservationDim != 4 || spec.ActionDim != 2 || len(spec.Infos) != 3 || spec.Infos[0].Name != "goal" {
		t.Fatalf("spec %+v", spec)
	}
	lens := []int{5, 4, 3}
	step := 0
	for i, L := range lens {
		ep, err := d.Episode(i)
		if err != nil {
			t.Fatal(err)
		}
		if ep.Len != L {
			t.Fatalf("episode %d has %d steps, want %d", i, ep.Len, L)
		}
		if ep.Terminals[L-1] != (i == 0) || ep.Timeouts[L-1] != (i == 1) {
			t.Fatalf("episode %d flags %v %v", i, ep.Terminals, ep.Timeouts)
		}
		for s := 0; s < L; s++ {
			g := step + s
			for j := 0; j < 4; j++ {
				if want := float64(float32(float64(g*4+j)*0.25 + 1)); ep.Observations.At(s*4+j) != want {
					t.Fatalf("observation %d,%d = %v, want %v", g, j, ep.Observations.At(s*4+j), want)
				}
			}
			if ep.Rewards.At(s) != float64(g) || ep.Infos["goal"].At(2*s+1) != float64(g*2+1)+10 || ep.Infos["qvel"].At(2*s) != float64(g*2)*-0.5 {
				t.Fatalf("step %d: reward %v goal %v qvel %v", g, ep.Rewards.At(s), ep.Infos["goal"].At(2*s+1), ep.Infos["qvel"].At(2*s))
			}
		}
		step += L
	}
	rep, err = Import(context.Background(), "../../testdata/datasets/d4rl_tiny.hdf5", filepath.Join(t.TempDir(), "b.arrow"), Options{DropIncomplete: true})
	if err != nil || rep.Trajectories != 2 || rep.DroppedFrames != 3 {
		t.Fatalf("drop incomplete: %+v %v", rep, err)
	}
	if _, err := Import(context.Background(), "../../testdata/datasets/md17_tiny.npz", filepath.Join(t.TempDir(), "c.arrow"), Options{}); err == nil {
		t.Fatal("a zip file was read as HDF5")
	}
}
