package datasets

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// maxReported bounds the number of problems Validate lists.
const maxReported = 20

// Validate scans every value: floats must be finite, an episode's terminal and timeout flags
// may be set only on its last step. The structural checks (schema version, kind, column types and
// shapes, buffer sizes, episode/step order, edge indices) already ran in Open. The returned error
// joins up to 20 *ValidationError values, each naming file, column, row and element.
func (d *Dataset) Validate(ctx context.Context) error {
	var errs []error
	report := func(e *ValidationError) bool {
		errs = append(errs, e)
		return len(errs) < maxReported
	}
	for bi := range d.batches {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := &d.batches[bi]
		file := d.shards[b.shard].path
		for ci, c := range d.cols {
			if !c.isFloat() {
				continue
			}
			w := c.width
			cd := b.cols[ci]
			if cd.f64 != nil {
				for k, v := range cd.f64 {
					if math.Float64bits(v)&0x7ff0000000000000 == 0x7ff0000000000000 {
						if !report(&ValidationError{File: file, Column: c.name, Row: b.fileRow0 + int64(k/w), Element: k % w,
							Msg: fmt.Sprintf("value %v is not finite", v)}) {
							return errors.Join(errs...)
						}
					}
				}
			} else {
				for k, v := range cd.f32 {
					// A float32 is NaN or infinite exactly when its exponent bits are all ones.
					if math.Float32bits(v)&0x7f800000 == 0x7f800000 {
						if !report(&ValidationError{File: file, Column: c.name, Row: b.fileRow0 + int64(k/w), Element: k % w,
							Msg: fmt.Sprintf("value %v is not finite", v)}) {
							return errors.Join(errs...)
						}
					}
				}
			}
		}
	}
	if d.meta.Kind == Episodes {
		for i, u := range d.units {
			for _, ci := range []int{5, 6} {
				flags := d.bools(ci, u.start, u.len)
				for s := 0; s < u.len-1; s++ {
					if flags[s] {
						file, row := d.fileRow(u.start + int64(s))
						if !report(colErr(file, d.cols[ci].name, row, "set at step %d of episode %d (id %d) before its last step %d", s, i, u.id, u.len-1)) {
							return errors.Join(errs...)
						}
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}

// fileRow maps a global row to its file and the row within that file.
func (d *Dataset) fileRow(r int64) (string, int64) {
	b := &d.batches[d.locate(r)]
	return d.shards[b.shard].path, b.fileRow0 + (r - b.row0)
}
