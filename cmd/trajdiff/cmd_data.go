package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/datasets/d4rl"
	"github.com/trajdiff/trajdiff/datasets/npy"
	"github.com/trajdiff/trajdiff/internal/fsutil"
)

func dataCommand() command {
	return command{name: "data", summary: "inspect, validate and convert trajectory datasets (Arrow IPC, Parquet, NumPy, MD17, D4RL)", run: runData}
}

const dataUsage = `Usage: trajdiff data <inspect|validate|convert|merge> ...

  inspect [-json] [-no-scan] PATH    kind, schema, counts and per-column statistics
  validate PATH                      schema version, shapes, buffers, NaN/Inf, episode flags
  convert [flags] IN OUT             IPC <-> Parquet, sharding, compression, dtype; and imports:
                                     NumPy .npy/.npz (-kind, -axes), sGDML MD17 .npz (-frames,
                                     -every, -split, -windows, -features), D4RL HDF5
  merge [flags] OUT SHARD...         join shard files (e.g. from 'simulate --shard i/n') into one dataset

PATH is a dataset file (.arrow, .parquet) or a directory of shards. Run
'trajdiff data convert --help' for the conversion flags; docs/datasets.md has the format.
`

func runData(ctx context.Context, env *cliEnv, args []string) error {
	return runSubcommand(ctx, env, args, dataUsage, []subcommand{
		{"inspect", runDataInspect}, {"validate", runDataValidate}, {"convert", runDataConvert}, {"merge", runDataMerge}})
}

func runDataInspect(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "data inspect", "data inspect [-json] [-no-scan] PATH")
	asJSON := fs.Bool("json", false, "print a JSON document instead of text")
	noScan := fs.Bool("no-scan", false, "skip the data scan (per-column statistics and non-finite counts)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 1, "PATH"); err != nil {
		return err
	}
	d, err := datasets.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer d.Close()
	var sum []datasets.ColumnSummary
	if !*noScan {
		if sum, err = d.Summary(ctx); err != nil {
			return err
		}
	}
	md := d.Metadata()
	var spec any
	switch md.Kind {
	case datasets.Episodes:
		spec = md.Episodes
	case datasets.Geometric:
		spec = md.Geometric
	case datasets.Fields:
		spec = md.Fields
	}
	if *asJSON {
		doc := map[string]any{
			"files": d.Files(), "format": d.Format().String(), "schema_version": datasets.SchemaVersion,
			"kind": md.Kind.String(), "dtype": md.DType.String(), "spec": spec, "units": md.Units,
			"generator": md.Generator, "description": md.Description, "rows": d.NumRows(), "count": d.Len(),
			"stored_stats": md.Stats, "columns": sum,
		}
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	w := env.stdout
	fmt.Fprintf(w, "path:           %s (%d file(s), %s)\n", fs.Arg(0), len(d.Files()), d.Format())
	fmt.Fprintf(w, "schema version: %d\nkind:           %s\ndtype:          %s\n", datasets.SchemaVersion, md.Kind, md.DType)
	specJSON, _ := json.Marshal(spec)
	fmt.Fprintf(w, "spec:           %s\n", specJSON)
	unit := "trajectories"
	if md.Kind == datasets.Episodes {
		unit = "episodes"
	}
	fmt.Fprintf(w, "count:          %d %s, %d rows\n", d.Len(), unit, d.NumRows())
	if md.Kind == datasets.Episodes && d.Len() > 0 {
		lo, hi := d.StepLen(0), d.StepLen(0)
		for i := 1; i < d.Len(); i++ {
			lo, hi = min(lo, d.StepLen(i)), max(hi, d.StepLen(i))
		}
		fmt.Fprintf(w, "episode length: %d to %d steps\n", lo, hi)
	}
	gen, _ := json.Marshal(md.Generator)
	fmt.Fprintf(w, "generator:      %s\n", gen)
	if len(md.Units) > 0 {
		u, _ := json.Marshal(md.Units)
		fmt.Fprintf(w, "units:          %s\n", u)
	}
	if md.Description != "" {
		fmt.Fprintf(w, "description:    %s\n", md.Description)
	}
	if md.Stats == nil {
		fmt.Fprintln(w, "stored stats:   none (normalisers need `trajdiff data convert` to add them)")
	} else {
		fmt.Fprintln(w, "stored stats:   yes")
	}
	fmt.Fprintln(w, "columns:")
	for _, name := range d.Columns() {
		var s *datasets.ColumnSummary
		for i := range sum {
			if sum[i].Name == name {
				s = &sum[i]
			}
		}
		if s == nil {
			fmt.Fprintf(w, "  %s\n", name)
			continue
		}
		fmt.Fprintf(w, "  %-16s %s  row shape %v\n", s.Name, s.Type, s.RowShape)
		if s.Stats != nil {
			printStats(w, s.Stats)
			if s.NonFinite > 0 {
				fmt.Fprintf(w, "      non-finite values: %d\n", s.NonFinite)
			}
		}
	}
	return nil
}

// printStats prints per-component statistics, at most 8 components.
func printStats(w io.Writer, s *datasets.ColumnStats) {
	n := s.Dim()
	shown := min(n, 8)
	fmt.Fprintf(w, "      count %d per component\n", s.Count)
	row := func(label string, v []float64) {
		fmt.Fprintf(w, "      %-5s", label)
		for _, x := range v[:shown] {
			fmt.Fprintf(w, " %11.4g", x)
		}
		if n > shown {
			fmt.Fprintf(w, " ... (%d components)", n)
		}
		fmt.Fprintln(w)
	}
	row("mean", s.Mean)
	row("std", s.Std)
	row("min", s.Min)
	row("max", s.Max)
}

func runDataValidate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "data validate", "data validate PATH")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 1, "PATH"); err != nil {
		return err
	}
	leftovers := temporariesNote(fs.Arg(0))
	d, err := datasets.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("invalid: %w%s", err, leftovers)
	}
	defer d.Close()
	if err := d.Validate(ctx); err != nil {
		return fmt.Errorf("invalid:\n%w%s", err, leftovers)
	}
	fmt.Fprint(env.stdout, strings.TrimPrefix(leftovers, "\n"))
	fmt.Fprintf(env.stdout, "ok: %s: %s dataset, schema version %d, %d %s, %d rows in %d file(s)\n",
		fs.Arg(0), d.Kind(), datasets.SchemaVersion, d.Len(), map[bool]string{true: "episodes", false: "trajectories"}[d.Kind() == datasets.Episodes],
		d.NumRows(), len(d.Files()))
	return nil
}

// temporariesNote describes the temporaries writers left beside path (and, for a sharded dataset, inside
// it): those of dead writers (killed runs), which the next write of the same target removes, and those of
// live ones (a write in progress). It is empty when there are none.
func temporariesNote(path string) string {
	dir, base := filepath.Split(filepath.Clean(path))
	ts, _ := fsutil.Temporaries(dir, fsutil.TempPrefix(base))
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		inside, _ := fsutil.Temporaries(path, ".")
		for _, t := range inside {
			if strings.Contains(filepath.Base(t.Path), ".tmp-") {
				ts = append(ts, t)
			}
		}
	}
	var b strings.Builder
	for _, t := range ts {
		switch {
		case t.Dead:
			fmt.Fprintf(&b, "\nnote: %s was left by a writer that died (pid %d on %s); the next write of the same target removes it", t.Path, t.PID, t.Host)
		case t.PID > 0:
			fmt.Fprintf(&b, "\nnote: %s belongs to a writer that may still be running (pid %d on %s)", t.Path, t.PID, t.Host)
		default:
			fmt.Fprintf(&b, "\nnote: %s is a writer's temporary of unknown owner; remove it if no write is in progress", t.Path)
		}
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

// multiFlag collects repeated -axes values.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func runDataConvert(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "data convert", "data convert [flags] IN OUT")
	from := fs.String("from", "auto", "input: auto (by extension and contents), arrow (IPC or Parquet dataset), numpy, md17, d4rl")
	kindS := fs.String("kind", "", "NumPy input: dataset kind (episodes, geometric, fields)")
	var axes, maps multiFlag
	fs.Var(&axes, "axes", "NumPy input: axis names of an array in storage order, `COLUMN=a,b,c` (repeatable; for a .npy just a,b,c)")
	fs.Var(&maps, "map", "NumPy .npz input: `KEY=COLUMN` takes array KEY as column COLUMN (repeatable; default: keys named like columns)")
	column := fs.String("column", "", "NumPy .npy input: the column the array becomes (default state for fields, positions for geometric)")
	dt := fs.Float64("dt", 0, "NumPy input: time step stored in the spec")
	frames := fs.Int("frames", 0, "MD17 input: frames per trajectory, or per window with -windows (0: one trajectory with all frames)")
	every := fs.Int("every", 0, "MD17 input: keep every k-th frame first (GeoTDM: 10; 0 or 1: all)")
	split := fs.String("split", "", "MD17 input: keep a chronological 60/20/20 part of the kept frames: train, val or test (default: all)")
	windows := fs.Int("windows", 0, "MD17 input: cut this many windows of -frames frames at stride floor((len-frames+1)/windows) (GeoTDM: 5000 train, 256 val, 1000 test)")
	features := fs.String("features", "z", "MD17 input: node features: z (atomic number) or geotdm (onehot(z,10) x (z/10)^{0,1,2}, 30 per atom)")
	dropInc := fs.Bool("drop-incomplete", false, "episodes: drop steps after the last terminal/timeout instead of keeping them")
	format := fs.String("format", "auto", "output format: auto (by extension), ipc, parquet")
	comp := fs.String("compression", "none", "output compression: none, zstd, lz4")
	dtype := fs.String("dtype", "float32", "output element type: float32, float64")
	shardRows := fs.Int("shard-rows", 0, "write a directory of shards with at most this many rows each")
	batchRows := fs.Int("batch-rows", 0, "rows per record batch (0: about 64 MiB)")
	force := fs.Bool("force", false, "replace OUT if it exists")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 2, "IN OUT"); err != nil {
		return err
	}
	in, out := fs.Arg(0), fs.Arg(1)
	opts, err := parseWriteOptions(*format, *comp, *dtype)
	if err != nil {
		return err
	}
	if *shardRows < 0 || *batchRows < 0 || *frames < 0 || *every < 0 || *windows < 0 {
		return usagef("-shard-rows, -batch-rows, -frames, -every and -windows must be >= 0")
	}
	opts.ShardRows, opts.BatchRows, opts.Overwrite = *shardRows, *batchRows, *force
	src := *from
	ext := strings.ToLower(filepath.Ext(in))
	if src == "auto" {
		switch ext {
		case ".npy":
			src = "numpy"
		case ".npz":
			src = "numpy"
			if *kindS == "" {
				src = "md17"
			}
		case ".h5", ".hdf5":
			src = "d4rl"
		default:
			src = "arrow"
		}
	}
	if src != "md17" && (*every != 0 || *split != "" || *windows != 0 || *features != "z") {
		return usagef("-every, -split, -windows and -features are MD17 options; the input is read as %s", src)
	}
	var rep datasets.ImportReport
	switch src {
	case "arrow":
		d, err := datasets.Open(in)
		if err != nil {
			return err
		}
		defer d.Close()
		bar := newProgressBar(env.stderr, "convert", "trajectories", d.Len())
		if err := datasets.Rewrite(ctx, d, out, opts, func(done, _ int) { bar.Update(done) }); err != nil {
			return err
		}
		rep.Trajectories, rep.Rows = d.Len(), d.NumRows()
	case "md17":
		rep, err = datasets.ImportMD17(ctx, in, out, datasets.MD17Options{FramesPerTrajectory: *frames, Every: *every, Split: *split,
			Windows: *windows, Features: *features, Write: opts})
	case "d4rl":
		rep, err = d4rl.Import(ctx, in, out, d4rl.Options{DropIncomplete: *dropInc, Write: opts})
		if errors.Is(err, d4rl.ErrNoHDF5) {
			return fmt.Errorf("%w (go build -tags hdf5 ./cmd/trajdiff)", err)
		}
	case "numpy":
		rep, err = convertNumPy(ctx, in, out, *kindS, *column, axes, maps, *dt, *dropInc, opts)
	default:
		return usagef("unknown -from %q (want auto, arrow, numpy, md17 or d4rl)", src)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "wrote %s: %d trajectories/episodes, %d rows", out, rep.Trajectories, rep.Rows)
	if rep.DroppedFrames > 0 {
		fmt.Fprintf(env.stdout, " (%d frames/steps dropped as asked)", rep.DroppedFrames)
	}
	fmt.Fprintln(env.stdout)
	return nil
}

func convertNumPy(ctx context.Context, in, out, kindS, column string, axes, maps []string, dt float64, dropInc bool, opts datasets.WriteOptions) (datasets.ImportReport, error) {
	var rep datasets.ImportReport
	if kindS == "" {
		return rep, usagef("NumPy input needs -kind (episodes, geometric or fields)")
	}
	kind, err := datasets.ParseKind(kindS)
	if err != nil {
		return rep, usagef("%v", err)
	}
	o := datasets.NumPyOptions{Kind: kind, Arrays: map[string]*npy.Array{}, Axes: map[string][]string{}, Dt: dt, DropIncomplete: dropInc, Write: opts}
	if strings.ToLower(filepath.Ext(in)) == ".npy" {
		a, err := npy.ReadFile(in)
		if err != nil {
			return rep, err
		}
		if column == "" {
			switch kind {
			case datasets.Fields:
				column = datasets.ColState
			case datasets.Geometric:
				column = datasets.ColPositions
			default:
				return rep, usagef("episodes need several arrays: give an .npz with observations, actions, rewards, terminals")
			}
		}
		o.Arrays[column] = a
		for _, ax := range axes {
			if strings.Contains(ax, "=") {
				return rep, usagef("for a .npy give -axes a,b,c without COLUMN=")
			}
			o.Axes[column] = strings.Split(ax, ",")
		}
		if len(maps) > 0 {
			return rep, usagef("-map applies to .npz input")
		}
		return datasets.FromNumPy(ctx, out, o)
	}
	arrs, err := npy.ReadNPZ(in)
	if err != nil {
		return rep, err
	}
	keyCol := map[string]string{}
	for _, m := range maps {
		k, c, ok := strings.Cut(m, "=")
		if !ok {
			return rep, usagef("-map %q: want KEY=COLUMN", m)
		}
		keyCol[k] = c
	}
	keys := npy.Keys(arrs)
	for _, k := range keys {
		c, ok := keyCol[k]
		if !ok {
			c = k
		}
		if c == "" || c == "-" {
			continue
		}
		o.Arrays[c] = arrs[k]
	}
	for k := range keyCol {
		if _, ok := arrs[k]; !ok {
			return rep, fmt.Errorf("%s has no array %q (keys: %v)", in, k, keys)
		}
	}
	for _, ax := range axes {
		c, list, ok := strings.Cut(ax, "=")
		if !ok {
			return rep, usagef("-axes %q: want COLUMN=a,b,c for .npz input", ax)
		}
		o.Axes[c] = strings.Split(list, ",")
	}
	// Arrays with names that are not columns of the kind are reported, not silently dropped.
	var unknown []string
	for c := range o.Arrays {
		if !datasets.IsNumPyColumn(kind, c) {
			unknown = append(unknown, c)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return rep, fmt.Errorf("%s: arrays %v are not %v columns; map them with -map KEY=COLUMN or skip them with -map KEY=-", in, unknown, kind)
	}
	return datasets.FromNumPy(ctx, out, o)
}

// parseWriteOptions parses the output flags every dataset-writing command shares (format, compression,
// element type); errors are usage errors. An empty dtype leaves the default (float32).
func parseWriteOptions(format, comp, dtype string) (datasets.WriteOptions, error) {
	var opts datasets.WriteOptions
	var err error
	if opts.Format, err = datasets.ParseFormat(format); err != nil {
		return opts, usagef("%v", err)
	}
	if opts.Compression, err = datasets.ParseCompression(comp); err != nil {
		return opts, usagef("%v", err)
	}
	if dtype != "" {
		if opts.DType, err = datasets.ParseDType(dtype); err != nil {
			return opts, usagef("%v", err)
		}
	}
	return opts, nil
}
