package datasets

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/trajdiff/trajdiff/internal/fsutil"
)

// writer is the kind-independent part of every dataset writer: it buffers rows per column, cuts
// record batches between units (episodes or trajectories), accumulates statistics, rotates
// shards, and makes the result appear atomically on Close.
//
// Atomicity: every file is written under a hidden temporary name (".NAME.tmp-RANDOM") in the
// destination directory, fsynced and renamed on Close; a sharded dataset is written into a
// hidden temporary directory that is renamed as a whole. An interrupted write therefore leaves
// only hidden temporary files, never a file under the final name.
type writer struct {
	path    string
	format  Format
	meta    *Metadata
	cols    []column
	opts    WriteOptions
	bufs    []colBuf
	rows    int // buffered rows
	unitEnd int // rows buffered up to the end of the last complete unit

	batchRows int
	sharded   bool
	tmpDir    string // sharded: temporary directory holding the shards
	shardIdx  int
	cur       *shardFile
	total     int64
	err       error // sticky: after a failed write the writer only aborts
	closed    bool
}

// shardFile is one file being written.
type shardFile struct {
	f      *fsutil.AtomicFile // renamed to final by finishShard
	bw     *bufio.Writer
	final  string
	ipcw   *ipc.FileWriter
	pqw    *pqarrow.FileWriter
	marker string // IPC: placeholder for the statistics, patched on close
	schema *arrow.Schema
	rows   int64
	mom    []*moments // per column (nil for non-float columns)
}

func newWriter(path string, m *Metadata, opts WriteOptions) (*writer, error) {
	m.DType = opts.DType
	m.Units = opts.Units
	m.Generator = opts.Generator
	m.Description = opts.Description
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if opts.BatchRows < 0 || opts.ShardRows < 0 {
		return nil, fmt.Errorf("create %s: BatchRows %d and ShardRows %d must be >= 0", path, opts.BatchRows, opts.ShardRows)
	}
	w := &writer{path: path, meta: m, cols: m.columns(), opts: opts, sharded: opts.ShardRows > 0}
	w.format = opts.Format
	if w.format == FormatAuto {
		w.format = FormatIPC
		if !w.sharded {
			w.format = FormatFromName(path)
		}
	}
	if opts.Compression != CompressionNone && opts.Compression != CompressionZstd && opts.Compression != CompressionLZ4 {
		return nil, fmt.Errorf("create %s: unknown compression %v", path, opts.Compression)
	}
	if !opts.Overwrite {
		if _, err := os.Lstat(path); err == nil {
			return nil, fmt.Errorf("create %s: already exists (set Overwrite to replace it)", path)
		}
	}
	w.bufs = make([]colBuf, len(w.cols))
	rowBytes := 0
	for i, c := range w.cols {
		w.bufs[i].col = c
		if c.isFloat() {
			rowBytes += c.width * opts.DType.Size()
		} else {
			rowBytes += 8
		}
	}
	w.batchRows = opts.BatchRows
	if w.batchRows == 0 {
		w.batchRows = max(1, targetBatchBytes/max(1, rowBytes))
	}
	if w.sharded {
		dir, base := filepath.Split(filepath.Clean(path))
		tmp, err := fsutil.MkdirTemp(dirOrDot(dir), fsutil.TempPrefix(base))
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", path, err)
		}
		w.tmpDir = tmp
	}
	if err := w.openShard(); err != nil {
		w.abort()
		return nil, err
	}
	return w, nil
}

func dirOrDot(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}

func (w *writer) shardExt() string {
	if w.format == FormatParquet {
		return ".parquet"
	}
	return ".arrow"
}

// openShard starts the next output file.
func (w *writer) openShard() error {
	sf := &shardFile{}
	var err error
	sf.final = filepath.Clean(w.path)
	if w.sharded {
		sf.final = filepath.Join(w.tmpDir, fmt.Sprintf("part-%05d%s", w.shardIdx, w.shardExt()))
	}
	if sf.f, err = fsutil.CreateAtomic(sf.final); err != nil {
		return fmt.Errorf("create %s: %w", w.path, err)
	}
	w.cur = sf
	w.shardIdx++
	sf.bw = bufio.NewWriterSize(sf.f, 1<<20)
	sf.mom = make([]*moments, len(w.cols))
	for i, c := range w.cols {
		if c.isFloat() {
			sf.mom[i] = newMoments(c.featureDim())
		}
	}
	switch w.format {
	case FormatIPC:
		sf.marker = statsPlaceholder(w.cols)
		md, err := w.meta.arrowMetadata(sf.marker)
		if err != nil {
			return err
		}
		sf.schema = buildSchema(w.meta, md)
		opts := []ipc.Option{ipc.WithSchema(sf.schema)}
		switch w.opts.Compression {
		case CompressionZstd:
			opts = append(opts, ipc.WithZstd())
		case CompressionLZ4:
			opts = append(opts, ipc.WithLZ4())
		}
		sf.ipcw, err = ipc.NewFileWriter(sf.bw, opts...)
		if err != nil {
			return fmt.Errorf("create %s: %w", w.path, err)
		}
	case FormatParquet:
		md, err := w.meta.arrowMetadata("")
		if err != nil {
			return err
		}
		codec := compress.Codecs.Uncompressed
		switch w.opts.Compression {
		case CompressionZstd:
			codec = compress.Codecs.Zstd
		case CompressionLZ4:
			codec = compress.Codecs.Lz4Raw
		}
		props := parquet.NewWriterProperties(parquet.WithCompression(codec), parquet.WithDictionaryDefault(false),
			parquet.WithMaxRowGroupLength(1<<40)) // one row group per batch: pqarrow mis-slices fixed-size lists when splitting
		sf.schema = buildSchema(w.meta, md)
		sf.pqw, err = pqarrow.NewFileWriter(sf.schema, writeOnly{sf.bw}, props,
			pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			return fmt.Errorf("create %s: %w", w.path, err)
		}
	default:
		return fmt.Errorf("create %s: unknown format %v", w.path, w.format)
	}
	return nil
}

// writeOnly hides Close from pqarrow, which would otherwise close the file before it is synced.
type writeOnly struct{ w io.Writer }

func (o writeOnly) Write(p []byte) (int, error) { return o.w.Write(p) }

// endUnit marks the end of one episode/trajectory of n rows and flushes or rotates as needed.
func (w *writer) endUnit(n int) error {
	w.rows += n
	for i := range w.bufs {
		w.bufs[i].rows = w.rows
	}
	w.unitEnd = w.rows
	if w.rows >= w.batchRows {
		if err := w.flush(); err != nil {
			return w.fail(err)
		}
	}
	if w.sharded && w.cur.rows+int64(w.rows) >= int64(w.opts.ShardRows) {
		if err := w.flush(); err != nil {
			return w.fail(err)
		}
		if err := w.finishShard(); err != nil {
			return w.fail(err)
		}
		if err := w.openShard(); err != nil {
			return w.fail(err)
		}
	}
	return nil
}

// dropUnit discards a partially appended unit after a validation error.
func (w *writer) dropUnit() {
	for i := range w.bufs {
		b := &w.bufs[i]
		c := b.col
		switch {
		case c.typ == colTensor:
			if w.meta.DType == Float64 {
				b.f64 = b.f64[:w.unitEnd*c.width]
			} else {
				b.f32 = b.f32[:w.unitEnd*c.width]
			}
		case c.typ == colScalar:
			if w.meta.DType == Float64 {
				b.f64 = b.f64[:w.unitEnd]
			} else {
				b.f32 = b.f32[:w.unitEnd]
			}
		case c.typ == colInt64:
			b.i64 = b.i64[:w.unitEnd]
		case c.typ == colInt32:
			b.i32 = b.i32[:w.unitEnd]
		case c.typ == colBool:
			b.bools = b.bools[:w.unitEnd]
		case c.typ == colIndices:
			if len(b.offs) > w.unitEnd+1 {
				b.offs = b.offs[:w.unitEnd+1]
				b.idx = b.idx[:b.offs[w.unitEnd]]
			}
		}
	}
}

// flush writes the buffered rows as one record batch and accumulates their statistics.
func (w *writer) flush() error {
	if w.rows == 0 {
		return nil
	}
	sf := w.cur
	arrs := make([]arrow.Array, len(w.bufs))
	for i := range w.bufs {
		b := &w.bufs[i]
		if m := sf.mom[i]; m != nil {
			if w.meta.DType == Float64 {
				m.addFloat64(b.f64)
			} else {
				m.addFloat32(b.f32)
			}
		}
		arrs[i] = b.array(w.meta.DType)
	}
	rec := array.NewRecordBatch(sf.schema, arrs, int64(w.rows))
	for _, a := range arrs {
		a.Release()
	}
	var err error
	if sf.ipcw != nil {
		err = sf.ipcw.Write(rec)
	} else {
		err = sf.pqw.Write(rec)
	}
	rec.Release()
	if err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	sf.rows += int64(w.rows)
	w.total += int64(w.rows)
	w.rows, w.unitEnd = 0, 0
	for i := range w.bufs {
		w.bufs[i].reset()
	}
	if w.opts.Progress != nil {
		w.opts.Progress(w.total)
	}
	return nil
}

// finishShard closes the current file: footer, statistics, fsync, rename.
func (w *writer) finishShard() error {
	sf := w.cur
	stats := map[string]ColumnStats{}
	for i, c := range w.cols {
		if sf.mom[i] != nil {
			stats[c.name] = sf.mom[i].stats()
		}
	}
	statsJSON, err := encodeStats(stats)
	if err != nil {
		return err
	}
	if sf.ipcw != nil {
		if err := sf.ipcw.Close(); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
		if err := sf.bw.Flush(); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
		if err := patchIPCStats(sf.f.File, sf.marker, statsJSON); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
	} else {
		if err := sf.pqw.AppendKeyValueMetadata(KeyStats, statsJSON); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
		if err := sf.pqw.Close(); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
		if err := sf.bw.Flush(); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
	}
	if err := sf.f.Commit(); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return nil
}

// fail records a sticky error, removes temporary files and returns err.
func (w *writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	w.abort()
	return err
}

// abort removes everything written so far. It is safe to call more than once.
func (w *writer) abort() {
	if w.cur != nil {
		w.cur.f.Abort() // a no-op once committed
	}
	if w.tmpDir != "" {
		os.RemoveAll(w.tmpDir)
		w.tmpDir = ""
	}
	w.closed = true
}

// check returns an error when the writer can no longer accept data.
func (w *writer) check() error {
	if w.err != nil {
		return fmt.Errorf("write %s: writer failed earlier: %w", w.path, w.err)
	}
	if w.closed {
		return fmt.Errorf("write %s: writer is closed", w.path)
	}
	return nil
}

// close flushes, finishes the last shard and makes the dataset visible under its final name.
func (w *writer) close() error {
	if err := w.check(); err != nil {
		return err
	}
	if err := w.flush(); err != nil {
		return w.fail(err)
	}
	// A sharded dataset whose last shard received no rows drops that empty shard, unless it is
	// the only one.
	if w.sharded && w.cur.rows == 0 && w.shardIdx > 1 {
		w.cur.f.Abort()
	} else if err := w.finishShard(); err != nil {
		return w.fail(err)
	}
	if w.sharded {
		if err := syncDir(w.tmpDir); err != nil {
			return w.fail(err)
		}
		if err := replaceDir(w.tmpDir, w.path, w.opts.Overwrite); err != nil {
			return w.fail(err)
		}
		w.tmpDir = ""
	}
	if err := syncDir(filepath.Dir(filepath.Clean(w.path))); err != nil {
		w.closed = true
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	w.closed = true
	return nil
}

// replaceDir renames directory src to dst. With overwrite an existing dst is moved aside first
// and removed after the rename.
func replaceDir(src, dst string, overwrite bool) error {
	if _, err := os.Lstat(dst); err == nil {
		if !overwrite {
			return fmt.Errorf("write %s: already exists", dst)
		}
		old := src + ".old"
		if err := os.Rename(dst, old); err != nil {
			return fmt.Errorf("write %s: %w", dst, err)
		}
		if err := os.Rename(src, dst); err != nil {
			return errors.Join(fmt.Errorf("write %s: %w", dst, err), os.Rename(old, dst))
		}
		return os.RemoveAll(old)
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// hasColumn reports whether the dataset's schema has the named column.
func (w *writer) hasColumn(name string) bool {
	for _, c := range w.cols {
		if c.name == name {
			return true
		}
	}
	return false
}

// checkInputs refuses values given for a column the spec does not have.
func (w *writer) checkInputs(what string, inputs map[string][]float64) error {
	for name, v := range inputs {
		if v != nil && !w.hasColumn(name) {
			return fmt.Errorf("write %s: %s: %s given but the spec has no such column", w.path, what, name)
		}
	}
	return nil
}

// appendTrajectory appends one trajectory row (one row per unit: fields and geometric datasets): its id, its
// edges, and every float column from inputs, checking widths and finiteness. On error nothing of the row is
// kept and the writer stays usable; the caller ends the unit.
func (w *writer) appendTrajectory(n int64, what string, inputs map[string][]float64, edges []int32) error {
	dt := w.meta.DType
	for i := range w.bufs {
		b := &w.bufs[i]
		c := b.col
		var err error
		switch c.name {
		case ColTrajectory:
			b.i64 = append(b.i64, w.opts.FirstID+n)
		case ColEdges:
			b.appendIndices(edges)
		default:
			if v := inputs[c.name]; len(v) != c.width {
				err = fmt.Errorf("%s has %d values, want %v = %d", c.name, len(v), c.rowShape, c.width)
			} else {
				err = b.appendFloats(dt, v, what)
			}
		}
		if err != nil {
			w.dropUnit()
			return fmt.Errorf("write %s: %s: %w", w.path, what, err)
		}
	}
	return nil
}
