//go:build unix

package train

import (
	"context"
	"testing"

	"github.com/trajdiff/trajdiff/internal/fsutil/fsutiltest"
)

// A run directory (checkpoints, their weights and state, `latest`, metrics) is readable by whoever the umask
// lets read an ordinary file, so a collaborator or a job running as another user can load it.
func TestRunDirectoryHasOrdinaryPermissions(t *testing.T) {
	dir := t.TempDir() + "/run"
	fsutiltest.WithUmask(t, 0o022, func() {
		tr := smallTrainer(t, dir, 30)
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	if files, dirs := fsutiltest.RequireOrdinaryModes(t, dir, 0o022); files < 4 || dirs < 2 {
		t.Fatalf("checked only %d files and %d directories", files, dirs)
	}
}
