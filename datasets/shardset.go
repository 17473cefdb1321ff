package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// isShardPosition says whether a generator parameter says where a shard sits in its dataset (written by the
// generators of pde, geometry and rl with `--shard i/n`). These differ from shard to shard of one run; every
// other generator parameter, the generator's name, version and seed must be equal.
func isShardPosition(param string) bool {
	switch param {
	case "shard", "first_trajectory", "trajectories", "first_chunk", "chunks":
		return true
	}
	return false
}

// ShardSet is the ordered list of files that a merge reads, with what was learnt about them.
type ShardSet struct {
	// Files in merge order: by shard index, then by first id (a shard written as several part files).
	Files []string
	// Shards is n of the generators' "i/n" (0 when the files carry no shard metadata and keep the given order).
	Shards int
	// Generator is the merged dataset's generator metadata: the shards' shared configuration, with the shard
	// parameters describing the whole ("0/1", the first trajectory or chunk, their total count).
	Generator Generator
}

// CollectShards expands a merge's arguments (files, directories of shard files as Open reads them, and glob
// patterns) and checks that they are the complete output of one sharded generator run: every file's "shard"
// parameter names the same n, no index in [0, n) is missing (the error lists the missing ones), no two files
// hold the same trajectory or episode id (a shard written twice), and all share one generator configuration
// (the error names the first parameter that differs). Files without shard metadata (imports, conversions)
// keep the order given; mixing them with generator shards is refused.
func CollectShards(args []string) (*ShardSet, error) {
	files, err := expandShardArgs(args)
	if err != nil {
		return nil, err
	}
	type shardFile struct {
		path       string
		gen        Generator
		index, n   int
		firstID    int64
		lastID     int64
		rows       int
		hasShard   bool
		shardParam string
	}
	var sf []shardFile
	for _, p := range files {
		d, err := OpenFiles(p)
		if err != nil {
			return nil, err
		}
		f := shardFile{path: p, gen: d.Metadata().Generator, rows: d.Len()}
		if f.rows > 0 {
			f.firstID, f.lastID = d.ID(0), d.ID(f.rows-1)
		}
		d.Close()
		if s, ok := f.gen.Params["shard"].(string); ok {
			f.hasShard, f.shardParam = true, s
			if f.index, f.n, err = parseShardParam(s); err != nil {
				return nil, fmt.Errorf("merge: %s: generator parameter shard %q: %w", p, s, err)
			}
		}
		sf = append(sf, f)
	}
	set := &ShardSet{Generator: sf[0].gen}
	if !sf[0].hasShard {
		for _, f := range sf[1:] {
			if f.hasShard {
				return nil, fmt.Errorf("merge: %s is shard %s of a generator run but %s carries no shard metadata", f.path, f.shardParam, sf[0].path)
			}
		}
		for _, f := range sf {
			set.Files = append(set.Files, f.path)
		}
		return set, nil
	}
	first := sf[0]
	for _, f := range sf[1:] {
		if !f.hasShard {
			return nil, fmt.Errorf("merge: %s carries no shard metadata but %s is shard %s of a generator run", f.path, first.path, first.shardParam)
		}
		if f.n != first.n {
			return nil, fmt.Errorf("merge: %s is shard %s and %s shard %s: runs of different shard counts", first.path, first.shardParam, f.path, f.shardParam)
		}
		if why := differentConfiguration(first.gen, f.gen); why != "" {
			return nil, fmt.Errorf("merge: %s and %s come from different generator configurations (%s)", first.path, f.path, why)
		}
	}
	sort.SliceStable(sf, func(a, b int) bool {
		if sf[a].index != sf[b].index {
			return sf[a].index < sf[b].index
		}
		return sf[a].firstID < sf[b].firstID
	})
	present := make([]bool, first.n)
	for k, f := range sf {
		present[f.index] = true
		if k > 0 && sf[k-1].rows > 0 && f.rows > 0 && f.firstID <= sf[k-1].lastID {
			return nil, fmt.Errorf("merge: %s and %s both hold id %d (shards %s and %s): a shard written twice?",
				sf[k-1].path, f.path, f.firstID, sf[k-1].shardParam, f.shardParam)
		}
	}
	var missing []string
	for i, ok := range present {
		if !ok {
			missing = append(missing, strconv.Itoa(i))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("merge: missing shard(s) %s of %d (the files hold %d shard(s))", strings.Join(missing, ", "), first.n, first.n-len(missing))
	}
	gen := first.gen
	gen.Params = map[string]any{}
	for k, v := range first.gen.Params {
		gen.Params[k] = v
	}
	gen.Params["shard"] = "0/1"
	for _, key := range [][2]string{{"first_trajectory", "trajectories"}, {"first_chunk", "chunks"}} {
		if _, ok := gen.Params[key[0]]; !ok {
			continue
		}
		gen.Params[key[0]] = sf[0].gen.Params[key[0]]
		total := 0.0
		for _, f := range sf {
			v, _ := toFloat(f.gen.Params[key[1]])
			total += v
		}
		gen.Params[key[1]] = total
	}
	for _, f := range sf {
		set.Files = append(set.Files, f.path)
	}
	set.Shards, set.Generator = first.n, gen
	return set, nil
}

// expandShardArgs turns files, directories and glob patterns into a list of files (directories and globs
// sorted), refusing a pattern that matches nothing and a file named twice.
func expandShardArgs(args []string) ([]string, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("merge: no shard files given")
	}
	var files []string
	seen := map[string]bool{}
	add := func(p string) error {
		abs, err := filepath.Abs(p)
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		if seen[abs] {
			return fmt.Errorf("merge: %s is given twice", p)
		}
		seen[abs] = true
		files = append(files, p)
		return nil
	}
	for _, a := range args {
		if strings.ContainsAny(a, "*?[") {
			m, err := filepath.Glob(a)
			if err != nil {
				return nil, fmt.Errorf("merge: pattern %q: %w", a, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("merge: pattern %q matches no file", a)
			}
			sort.Strings(m)
			for _, p := range m {
				if err := add(p); err != nil {
					return nil, err
				}
			}
			continue
		}
		fi, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		if !fi.IsDir() {
			if err := add(a); err != nil {
				return nil, err
			}
			continue
		}
		inDir, err := shardFilesIn(a)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		for _, p := range inDir {
			if err := add(p); err != nil {
				return nil, err
			}
		}
	}
	return files, nil
}

// parseShardParam reads a generator's "i/n".
func parseShardParam(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("want i/n with 0 <= i < n")
	}
	return i, n, nil
}

// differentConfiguration names the first difference between two shards' generators outside the shard
// position parameters, or returns "".
func differentConfiguration(a, b Generator) string {
	switch {
	case a.Name != b.Name:
		return fmt.Sprintf("generator %q vs %q", a.Name, b.Name)
	case a.Version != b.Version:
		return fmt.Sprintf("generator version %q vs %q", a.Version, b.Version)
	case a.Seed != b.Seed:
		return fmt.Sprintf("seed %d vs %d", a.Seed, b.Seed)
	}
	keys := map[string]bool{}
	for k := range a.Params {
		keys[k] = true
	}
	for k := range b.Params {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		if !isShardPosition(k) {
			sorted = append(sorted, k)
		}
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		va, oka := a.Params[k]
		vb, okb := b.Params[k]
		if oka != okb || !reflect.DeepEqual(va, vb) {
			return fmt.Sprintf("parameter %s: %v vs %v", k, describe(va, oka), describe(vb, okb))
		}
	}
	return ""
}

func describe(v any, ok bool) string {
	if !ok {
		return "absent"
	}
	return fmt.Sprintf("%v", v)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}
