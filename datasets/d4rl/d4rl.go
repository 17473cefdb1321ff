package d4rl

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/trajdiff/trajdiff/datasets"
)

// ErrNoHDF5 is returned by Import in builds without the hdf5 tag.
var ErrNoHDF5 = errors.New("d4rl: this build cannot read HDF5; rebuild with -tags hdf5 (needs cgo and libhdf5-dev)")

// Options configure Import.
type Options struct {
	// DropIncomplete drops the steps after the last terminal/timeout instead of keeping them as
	// a final episode with neither flag set.
	DropIncomplete bool
	Write          datasets.WriteOptions
}

// array is one HDF5 dataset read as float64 in C order.
type array struct {
	shape []int
	data  []float64
}

// Import converts the D4RL HDF5 file at h5Path into an episodes dataset at outPath.
func Import(ctx context.Context, h5Path, outPath string, o Options) (datasets.ImportReport, error) {
	arrs, err := readFile(h5Path)
	if err != nil {
		return datasets.ImportReport{}, err
	}
	f, err := flatten(h5Path, arrs)
	if err != nil {
		return datasets.ImportReport{}, err
	}
	opts := o.Write
	if opts.Generator.Name == "" {
		opts.Generator = datasets.Generator{Name: "d4rl-hdf5", Params: map[string]any{"source": h5Path}}
	}
	return datasets.WriteFlatEpisodes(ctx, outPath, f, o.DropIncomplete, opts)
}

// flatten checks shapes and builds the flat episode data.
func flatten(file string, arrs map[string]array) (datasets.FlatEpisodes, error) {
	var f datasets.FlatEpisodes
	get := func(key string, required bool) (array, bool, error) {
		a, ok := arrs[key]
		if !ok && required {
			keys := make([]string, 0, len(arrs))
			for k := range arrs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return a, false, fmt.Errorf("d4rl: %s: missing dataset %q (has %v)", file, key, keys)
		}
		return a, ok, nil
	}
	obs, _, err := get("observations", true)
	if err != nil {
		return f, err
	}
	if len(obs.shape) != 2 {
		return f, fmt.Errorf("d4rl: %s: observations have shape %v, want (steps, obs_dim)", file, obs.shape)
	}
	N := obs.shape[0]
	dim := func(key string, a array) (int, error) {
		switch {
		case len(a.shape) == 1 && a.shape[0] == N:
			return 1, nil
		case len(a.shape) == 2 && a.shape[0] == N:
			return a.shape[1], nil
		}
		return 0, fmt.Errorf("d4rl: %s: %s has shape %v, want (%d,) or (%d, dim)", file, key, a.shape, N, N)
	}
	act, _, err := get("actions", true)
	if err != nil {
		return f, err
	}
	ad, err := dim("actions", act)
	if err != nil {
		return f, err
	}
	rew, _, err := get("rewards", true)
	if err != nil {
		return f, err
	}
	if d, err := dim("rewards", rew); err != nil || d != 1 {
		return f, fmt.Errorf("d4rl: %s: rewards have shape %v, want (%d,)", file, rew.shape, N)
	}
	f.Spec = datasets.EpisodeSpec{ObservationDim: obs.shape[1], ActionDim: ad}
	f.Observations, f.Actions, f.Rewards = obs.data, act.data, rew.data
	flags := func(key string) ([]bool, error) {
		a, ok, _ := get(key, false)
		if !ok {
			return nil, nil
		}
		if d, err := dim(key, a); err != nil || d != 1 {
			return nil, fmt.Errorf("d4rl: %s: %s has shape %v, want (%d,)", file, key, a.shape, N)
		}
		out := make([]bool, N)
		for i, v := range a.data {
			out[i] = v != 0
		}
		return out, nil
	}
	if f.Terminals, err = flags("terminals"); err != nil {
		return f, err
	}
	if f.Terminals == nil {
		return f, fmt.Errorf("d4rl: %s: missing dataset \"terminals\"", file)
	}
	if f.Timeouts, err = flags("timeouts"); err != nil {
		return f, err
	}
	f.Infos = map[string][]float64{}
	var infos []string
	for k := range arrs {
		if strings.HasPrefix(k, "infos/") {
			infos = append(infos, k)
		}
	}
	sort.Strings(infos)
	for _, k := range infos {
		d, err := dim(k, arrs[k])
		if err != nil {
			return f, err
		}
		name := strings.TrimPrefix(k, "infos/")
		f.Spec.Infos = append(f.Spec.Infos, datasets.InfoSpec{Name: name, Dim: d})
		f.Infos[name] = arrs[k].data
	}
	return f, nil
}
