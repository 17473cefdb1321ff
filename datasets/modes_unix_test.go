//go:build unix

package datasets

import (
	"path/filepath"
	"testing"

	"github.com/trajdiff/trajdiff/internal/fsutil/fsutiltest"
)

// Datasets come out readable by whoever the umask lets read an ordinary file, in every format and as
// sharded directories.
func TestDatasetsHaveOrdinaryPermissions(t *testing.T) {
	spec := testEpisodeSpec
	eps := makeEpisodes(1, 10, 25, spec)
	for _, mask := range []int{0o022, 0o077} {
		for _, tc := range []struct {
			file string
			opts WriteOptions
		}{
			{"e.arrow", WriteOptions{}},
			{"e.parquet", WriteOptions{}},
			{"e.d", WriteOptions{ShardRows: 60}},
		} {
			root := t.TempDir()
			fsutiltest.WithUmask(t, mask, func() {
				writeEpisodes(t, filepath.Join(root, tc.file), spec, eps, tc.opts)
			})
			if files, _ := fsutiltest.RequireOrdinaryModes(t, filepath.Join(root, tc.file), mask); files < 1 {
				t.Fatalf("%s: no file written", tc.file)
			}
		}
	}
}
