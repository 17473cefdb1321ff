package datasets

import (
	"errors"
	"fmt"
	"sort"
)

// finish merges the shards' statistics and indexes the episodes or trajectories.
func (d *Dataset) finish() error {
	if d.meta == nil {
		return errors.New("open dataset: no shards")
	}
	d.meta.Stats = mergeShardStats(d.cols, d.shardStats)
	d.shardStats = nil
	if d.meta.Kind != Episodes {
		d.units = make([]unit, 0, d.rows)
		for _, b := range d.batches {
			ids := b.cols[0].i64
			for r := 0; r < b.n; r++ {
				d.units = append(d.units, unit{id: ids[r], start: b.row0 + int64(r), len: 1})
			}
		}
		return nil
	}
	// Episodes: maximal runs of equal episode ids, steps 0, 1, 2, ... within each run.
	seen := map[int64]bool{}
	var cur *unit
	for _, b := range d.batches {
		ids, steps := b.cols[0].i64, b.cols[1].i32
		file := d.shards[b.shard].path
		for r := 0; r < b.n; r++ {
			id, step := ids[r], steps[r]
			if cur != nil && id == cur.id {
				if int(step) != cur.len {
					return colErr(file, ColStep, b.fileRow0+int64(r), "step %d in episode %d, want %d (steps must count 0, 1, 2, ...)", step, id, cur.len)
				}
				if cur.len == maxElements {
					return colErr(file, ColStep, b.fileRow0+int64(r), "episode %d is longer than 2^31-1 steps", id)
				}
				cur.len++
				continue
			}
			if seen[id] {
				return colErr(file, ColEpisode, b.fileRow0+int64(r), "episode %d appears again after other episodes (rows of one episode must be contiguous)", id)
			}
			if step != 0 {
				return colErr(file, ColStep, b.fileRow0+int64(r), "episode %d starts at step %d, want 0", id, step)
			}
			seen[id] = true
			d.units = append(d.units, unit{id: id, start: b.row0 + int64(r), len: 1})
			cur = &d.units[len(d.units)-1]
		}
	}
	return nil
}

// mergeShardStats combines per-shard statistics (Chan et al. pairwise update); a column is left
// out unless every shard has statistics for it.
func mergeShardStats(cols []column, per []map[string]ColumnStats) map[string]ColumnStats {
	out := map[string]ColumnStats{}
	for _, c := range cols {
		if !c.isFloat() {
			continue
		}
		m := newMoments(c.featureDim())
		ok := true
		for _, st := range per {
			s, has := st[c.name]
			if !has {
				ok = false
				break
			}
			m.mergeStats(s)
		}
		if ok {
			out[c.name] = m.stats()
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Close releases the record batches and unmaps the files. Tensors obtained from the Dataset must
// not be used afterwards.
func (d *Dataset) Close() error {
	var errs []error
	for _, sh := range d.shards {
		for i := len(sh.closers) - 1; i >= 0; i-- {
			if err := sh.closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		sh.closers = nil
		if sh.release != nil {
			if err := sh.release(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", sh.path, err))
			}
			sh.release = nil
		}
	}
	d.batches, d.units = nil, nil
	return errors.Join(errs...)
}

// Kind returns the dataset's kind.
func (d *Dataset) Kind() Kind { return d.meta.Kind }

// Metadata returns the dataset's metadata; Stats are merged over all shards.
func (d *Dataset) Metadata() Metadata { return *d.meta }

// Len returns the number of episodes (episodes kind) or trajectories (other kinds).
func (d *Dataset) Len() int { return len(d.units) }

// NumRows returns the number of rows over all shards (steps for episodes, trajectories otherwise).
func (d *Dataset) NumRows() int64 { return d.rows }

// Files returns the shard file names in order.
func (d *Dataset) Files() []string {
	out := make([]string, len(d.shards))
	for i, s := range d.shards {
		out[i] = s.path
	}
	return out
}

// Format returns the container format of the first shard.
func (d *Dataset) Format() Format { return d.shards[0].format }

// Columns returns the names of the layout's columns in schema order.
func (d *Dataset) Columns() []string {
	out := make([]string, len(d.cols))
	for i, c := range d.cols {
		out[i] = c.name
	}
	return out
}

// StepLen returns the number of steps (frames) of episode or trajectory i.
func (d *Dataset) StepLen(i int) int {
	if d.meta.Kind == Episodes {
		return d.units[i].len
	}
	if d.meta.Kind == Geometric {
		return d.meta.Geometric.Frames
	}
	return d.meta.Fields.Frames
}

// ID returns the stored episode or trajectory id of unit i.
func (d *Dataset) ID(i int) int64 { return d.units[i].id }

func (d *Dataset) colIndex(name string) (int, error) {
	for i, c := range d.cols {
		if c.name == name {
			return i, nil
		}
	}
	return -1, fmt.Errorf("dataset has no column %q (columns: %v)", name, d.Columns())
}

// locate returns the batch holding global row r.
func (d *Dataset) locate(r int64) int {
	return sort.Search(len(d.batches), func(i int) bool { return d.batches[i].row0+int64(d.batches[i].n) > r })
}

func (d *Dataset) checkUnit(i int) error {
	if i < 0 || i >= len(d.units) {
		return fmt.Errorf("index %d out of range [0, %d)", i, len(d.units))
	}
	return nil
}
