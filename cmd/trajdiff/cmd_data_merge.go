package main

import (
	"context"
	"fmt"

	"github.com/trajdiff/trajdiff/datasets"
)

// runDataMerge joins shards written separately (one per array-job task) into one dataset. SHARD arguments may be
// files, directories of shard files or glob patterns; generator shards are checked complete, not repeated and of
// one configuration, and merged in shard order (datasets.CollectShards); other files keep the order given.
// The shards must share kind, element type and spec; statistics are recomputed over the union by the writer.
func runDataMerge(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "data merge", "data merge [flags] OUT SHARD... (SHARD: a file, a directory of shard files, or a glob pattern such as 'parts/*.arrow')")
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
	out := fs.Arg(0)
	set, err := datasets.CollectShards(fs.Args()[1:])
	if err != nil {
		return err
	}
	shards := set.Files
	d, err := datasets.OpenFiles(shards...)
	if err != nil {
		return err
	}
	defer d.Close()
	md := d.Metadata()
	opts.DType = md.DType
	opts.Generator = set.Generator
	bar := newProgressBar(env.stderr, "merge", "rows", d.Len())
	if err := datasets.Rewrite(ctx, d, out, opts, func(done, _ int) { bar.Update(done) }); err != nil {
		return err
	}
	if set.Shards > 0 {
		fmt.Fprintf(env.stdout, "merged %d file(s) of %d generator shard(s), %d %s -> %s\n", len(shards), set.Shards, d.Len(), md.Kind, out)
	} else {
		fmt.Fprintf(env.stdout, "merged %d file(s), %d %s -> %s\n", len(shards), d.Len(), md.Kind, out)
	}
	return nil
}
