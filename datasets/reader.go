package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// Dataset is an opened dataset: one file or a directory of shards with the same layout. IPC files
// are memory-mapped and their tensors are returned without copying; Tensors and other slices
// obtained from a Dataset are valid until Close.
//
// A Dataset is safe for concurrent reads.
type Dataset struct {
	meta    *Metadata
	cols    []column
	shards  []*shard
	batches []batch
	units   []unit
	rows    int64

	shardStats []map[string]ColumnStats // per shard, merged by finish
}

type shard struct {
	path    string
	format  Format
	release func() error
	closers []func() error
}

// batch is one record batch with its columns decoded into typed slices (zero-copy).
type batch struct {
	shard    int
	row0     int64 // first global row
	fileRow0 int64 // first row within its file
	n        int
	cols     []colData
}

// unit is one episode (a run of rows) or one trajectory (one row).
type unit struct {
	id    int64
	start int64 // global row
	len   int
}

// Open opens a dataset file (Arrow IPC file or stream, or Parquet, recognised by their magic
// bytes) or a directory of shard files (every non-hidden *.arrow, *.ipc, *.feather, *.parquet,
// *.pq file, in name order).
func Open(path string) (*Dataset, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open dataset: %w", err)
	}
	if !fi.IsDir() {
		return OpenFiles(path)
	}
	files, err := shardFilesIn(path)
	if err != nil {
		return nil, fmt.Errorf("open dataset: %w", err)
	}
	return OpenFiles(files...)
}

// shardFilesIn lists a directory's shard files (.arrow, .ipc, .feather, .parquet, .pq; hidden files and
// non-regular entries skipped), sorted by name.
func shardFilesIn(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !e.Type().IsRegular() {
			continue
		}
		switch strings.ToLower(filepath.Ext(name)) {
		case ".arrow", ".ipc", ".feather", ".parquet", ".pq":
			files = append(files, filepath.Join(dir, name))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("directory %s holds no .arrow or .parquet shard files", dir)
	}
	sort.Strings(files)
	return files, nil
}

// OpenFiles opens the given shard files as one dataset; they must share kind, dtype and spec.
func OpenFiles(paths ...string) (*Dataset, error) {
	if len(paths) == 0 {
		return nil, errors.New("open dataset: no files given")
	}
	d := &Dataset{}
	for _, p := range paths {
		data, release, err := mapFile(p)
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("open dataset: %w", err)
		}
		if err := d.addShard(p, data, release); err != nil {
			d.Close()
			return nil, err
		}
	}
	if err := d.finish(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// OpenBytes opens a dataset held in memory (one file's bytes); name is used in messages. data must
// not be modified while the Dataset is in use.
func OpenBytes(name string, data []byte) (*Dataset, error) {
	d := &Dataset{}
	if err := d.addShard(name, data, nil); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.finish(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

var (
	magicIPC     = []byte("ARROW1")
	magicParquet = []byte("PAR1")
	magicStream  = []byte{0xff, 0xff, 0xff, 0xff}
)

// sniff recognises the container format from the first bytes.
func sniff(name string, data []byte) (Format, bool, error) {
	switch {
	case bytes.HasPrefix(data, magicIPC):
		if len(data) < 2*len(magicIPC)+8 || !bytes.HasSuffix(data, magicIPC) {
			return 0, false, fmt.Errorf("%s: %w: Arrow IPC file without its closing magic (truncated write?)", name, ErrCorrupt)
		}
		return FormatIPC, false, nil
	case bytes.HasPrefix(data, magicParquet):
		if len(data) < 12 || !bytes.HasSuffix(data, magicParquet) {
			return 0, false, fmt.Errorf("%s: %w: Parquet file without its closing magic (truncated write?)", name, ErrCorrupt)
		}
		return FormatParquet, false, nil
	case bytes.HasPrefix(data, magicStream):
		return FormatIPC, true, nil
	}
	head := data
	if len(head) > 8 {
		head = head[:8]
	}
	return 0, false, fmt.Errorf("%s: %w: not an Arrow IPC or Parquet file (starts with %q)", name, ErrCorrupt, head)
}

// addShard decodes one file's schema and record batches.
func (d *Dataset) addShard(name string, data []byte, release func() error) error {
	sh := &shard{path: name, release: release}
	d.shards = append(d.shards, sh)
	format, stream, err := sniff(name, data)
	if err != nil {
		return err
	}
	sh.format = format
	var (
		schema *arrow.Schema
		recs   []arrow.RecordBatch
		extra  map[string]string // Parquet key-value metadata
	)
	err = safely(name, func() error {
		switch {
		case format == FormatParquet:
			schema, recs, extra, err = readParquet(name, data)
			return err
		case stream:
			if err := verifyIPCStream(data); err != nil {
				return fmt.Errorf("%s: %w: %v", name, ErrCorrupt, err)
			}
			r, err := ipc.NewReader(bytes.NewReader(data), ipc.WithEnsureNativeEndian(true), ipc.WithAllocator(newLimitAllocator(len(data))))
			if err != nil {
				return fmt.Errorf("%s: %w: %v", name, ErrCorrupt, err)
			}
			defer r.Release()
			schema = r.Schema()
			for r.Next() {
				rec := r.RecordBatch()
				rec.Retain()
				recs = append(recs, rec)
			}
			if err := r.Err(); err != nil {
				return fmt.Errorf("%s: %w: %v", name, ErrCorrupt, err)
			}
			return nil
		default:
			if err := verifyIPCFile(data); err != nil {
				return fmt.Errorf("%s: %w: %v", name, ErrCorrupt, err)
			}
			r, err := ipc.NewMappedFileReader(data, ipc.WithEnsureNativeEndian(true), ipc.WithAllocator(newLimitAllocator(len(data))))
			if err != nil {
				return fmt.Errorf("%s: %w: %v", name, ErrCorrupt, err)
			}
			sh.closers = append(sh.closers, r.Close)
			schema = r.Schema()
			for i := 0; i < r.NumRecords(); i++ {
				rec, err := r.RecordBatchAt(i)
				if err != nil {
					return fmt.Errorf("%s: %w: record batch %d: %v", name, ErrCorrupt, i, err)
				}
				recs = append(recs, rec)
			}
			return nil
		}
	})
	for _, rec := range recs {
		rec := rec
		sh.closers = append(sh.closers, func() error { rec.Release(); return nil })
	}
	if err != nil {
		return err
	}
	md := schema.Metadata()
	if len(extra) > 0 {
		keys, vals := append([]string(nil), md.Keys()...), append([]string(nil), md.Values()...)
		for k, v := range extra {
			if !strings.HasPrefix(k, "trajdiff.") {
				continue
			}
			if i := md.FindKey(k); i >= 0 {
				vals[i] = v
			} else {
				keys, vals = append(keys, k), append(vals, v)
			}
		}
		md = arrow.NewMetadata(keys, vals)
	}
	meta, err := parseMetadata(md)
	if err != nil {
		return fileErr(name, "%v", err)
	}
	d.shardStats = append(d.shardStats, meta.Stats)
	if d.meta == nil {
		d.meta = meta
		d.cols = meta.columns()
	} else if !sameLayout(d.meta, meta) {
		return fileErr(name, "shard layout (kind %v, dtype %v, spec) differs from the first shard %s", meta.Kind, meta.DType, d.shards[0].path)
	}
	if err := checkSchema(name, schema, d.cols, meta.DType); err != nil {
		return err
	}
	var fileRow int64
	for _, rec := range recs {
		var cd []colData
		err := safely(name, func() error {
			var err error
			cd, err = extractBatch(name, rec, d.cols, meta, fileRow)
			return err
		})
		if err != nil {
			return err
		}
		n := int(rec.NumRows())
		if n == 0 {
			continue
		}
		d.batches = append(d.batches, batch{shard: len(d.shards) - 1, row0: d.rows, fileRow0: fileRow, n: n, cols: cd})
		d.rows += int64(n)
		fileRow += int64(n)
	}
	return nil
}
