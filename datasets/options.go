package datasets

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is the container format of a dataset file.
type Format int

const (
	// FormatAuto picks the format from the file name: ".parquet" or ".pq" is Parquet, anything
	// else Arrow IPC. For a sharded (directory) dataset it means IPC.
	FormatAuto Format = iota
	// FormatIPC is the Arrow IPC file format ("Feather v2"), read memory-mapped and zero-copy.
	FormatIPC
	// FormatParquet is Parquet written through pqarrow, with the Arrow schema stored in the file.
	FormatParquet
)

// String returns "auto", "ipc" or "parquet".
func (f Format) String() string {
	switch f {
	case FormatIPC:
		return "ipc"
	case FormatParquet:
		return "parquet"
	}
	return "auto"
}

// ParseFormat is the inverse of Format.String.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "", "auto":
		return FormatAuto, nil
	case "ipc", "arrow", "feather":
		return FormatIPC, nil
	case "parquet":
		return FormatParquet, nil
	}
	return 0, fmt.Errorf("unknown format %q (want auto, ipc or parquet)", s)
}

// FormatFromName returns the format implied by a file name's extension.
func FormatFromName(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".parquet", ".pq":
		return FormatParquet
	}
	return FormatIPC
}

// Compression is the codec for record-batch bodies (IPC) or column chunks (Parquet).
type Compression int

const (
	// CompressionNone stores buffers as they are; required for zero-copy memory-mapped reads.
	CompressionNone Compression = iota
	// CompressionZstd uses Zstandard.
	CompressionZstd
	// CompressionLZ4 uses LZ4 frames (IPC) or LZ4 raw (Parquet).
	CompressionLZ4
)

// String returns "none", "zstd" or "lz4".
func (c Compression) String() string {
	switch c {
	case CompressionZstd:
		return "zstd"
	case CompressionLZ4:
		return "lz4"
	}
	return "none"
}

// ParseCompression is the inverse of Compression.String.
func ParseCompression(s string) (Compression, error) {
	switch s {
	case "", "none":
		return CompressionNone, nil
	case "zstd":
		return CompressionZstd, nil
	case "lz4":
		return CompressionLZ4, nil
	}
	return 0, fmt.Errorf("unknown compression %q (want none, zstd or lz4)", s)
}

// WriteOptions configure a dataset writer. The zero value writes one uncompressed float32 IPC
// file (or Parquet when the name ends in .parquet).
type WriteOptions struct {
	Format      Format
	Compression Compression
	DType       DType
	// BatchRows is the target number of rows per record batch (Parquet: per row group). A batch
	// is cut only between trajectories/episodes, so one episode never spans two batches. 0 means
	// about 64 MiB of tensor data per batch. Memory use of the writer is bounded by one batch.
	BatchRows int
	// ShardRows > 0 writes a directory of shard files (part-00000.arrow, ...) with at most
	// ShardRows rows each (or one trajectory/episode when that alone is longer).
	ShardRows int
	// FirstID is the id stored for the first trajectory/episode; later ones count up from it. Shards of one
	// dataset written independently (simulate --shard i/n) give disjoint ranges, so that they can be
	// opened together and merged.
	FirstID int64
	// Overwrite replaces an existing file or directory at the path on Close.
	Overwrite   bool
	Units       map[string]string
	Generator   Generator
	Description string
	// Progress, when set, is called after every flushed batch with the rows written so far.
	Progress func(rows int64)
}

// targetBatchBytes is the default size of one record batch's tensor data.
const targetBatchBytes = 64 << 20
