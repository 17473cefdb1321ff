package datasets

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// readParquet decodes a Parquet file into one record batch per row group. Parquet data is
// decoded into memory (it is encoded, so it cannot be mapped); use IPC for datasets larger than
// RAM. extra is the file's key-value metadata, which carries the statistics written on close.
func readParquet(name string, data []byte) (*arrow.Schema, []arrow.RecordBatch, map[string]string, error) {
	mem := newLimitAllocator(len(data))
	pf, err := file.NewParquetReader(bytes.NewReader(data), file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w: %v", name, ErrCorrupt, err)
	}
	defer pf.Close()
	extra := map[string]string{}
	for _, kv := range pf.MetaData().KeyValueMetadata() {
		if kv.Value != nil {
			extra[kv.Key] = *kv.Value
		}
	}
	// pqarrow decodes the stored Arrow schema (an IPC stream, base64) without checking it; verify
	// it first for the same reason as IPC files (see fbverify.go).
	if enc, ok := extra["ARROW:schema"]; ok {
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			raw, err = base64.RawStdEncoding.DecodeString(enc)
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w: stored Arrow schema is not base64: %v", name, ErrCorrupt, err)
		}
		if err := verifyIPCStream(raw); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w: stored Arrow schema: %v", name, ErrCorrupt, err)
		}
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, mem)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w: %v", name, ErrCorrupt, err)
	}
	schema, err := fr.Schema()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w: %v", name, ErrCorrupt, err)
	}
	fieldIdx := make([]int, schema.NumFields())
	for i := range fieldIdx {
		fieldIdx[i] = i
	}
	var recs []arrow.RecordBatch
	release := func() {
		for _, r := range recs {
			r.Release()
		}
	}
	for rg := 0; rg < pf.NumRowGroups(); rg++ {
		tbl, err := fr.ReadRowGroups(context.Background(), fieldIdx, []int{rg})
		if err != nil {
			release()
			return nil, nil, nil, fmt.Errorf("%s: %w: row group %d: %v", name, ErrCorrupt, rg, err)
		}
		cols := make([]arrow.Array, tbl.NumCols())
		for i := range cols {
			chunks := tbl.Column(i).Data().Chunks()
			switch len(chunks) {
			case 0:
				cols[i] = array.MakeArrayOfNull(mem, tbl.Schema().Field(i).Type, 0)
			case 1:
				chunks[0].Retain()
				cols[i] = chunks[0]
			default:
				cols[i], err = array.Concatenate(chunks, mem)
			}
			if err != nil {
				break
			}
		}
		if err != nil {
			tbl.Release()
			release()
			return nil, nil, nil, fmt.Errorf("%s: row group %d: %w", name, rg, err)
		}
		rec := array.NewRecordBatch(tbl.Schema(), cols, tbl.NumRows())
		for _, c := range cols {
			c.Release()
		}
		tbl.Release()
		recs = append(recs, rec)
	}
	return schema, recs, extra, nil
}
