package main

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/datasets"
)

// runDataMerge joins shards written separately (one per array-job task) into one dataset, in the order given.
// The shards must share kind, element type and spec; statistics are recomputed over the union by the writer.
func runDataMerge(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "data merge", "data merge [flags] OUT SHARD...")
	format := fs.String("format", "auto", "output format: auto (by extension), ipc, parquet")
	comp := fs.String("compression", "none", "output compression: none, zstd, lz4")
	force := fs.Bool("force", false, "replace OUT if it exists")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return usagef("want OUT and at least one SHARD, got %d argument(s)", fs.NArg())
	}
	opts, err := parseWriteOptions(*format, *comp, "") // the element type is the shards'
	if err != nil {
		return err
	}
	opts.Overwrite = *force
	out, shards := fs.Arg(0), fs.Args()[1:]
	d, err := datasets.OpenFiles(shards...)
	if err != nil {
		return err
	}
	defer d.Close()
	md := d.Metadata()
	opts.DType = md.DType
	bar := newProgressBar(env.stderr, "merge", "rows", d.Len())
	if err := datasets.Rewrite(ctx, d, out, opts, func(done, _ int) { bar.Update(done) }); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "merged %d shard(s), %d %s -> %s\n", len(shards), d.Len(), md.Kind, out)
	return nil
}
