//go:build unix

// Package fsutiltest checks, in tests, that writers leave files with the permissions ordinary os.Create and
// os.Mkdir calls would give them.
package fsutiltest

import (
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
)

// WithUmask runs fn with the process umask set to mask and restores the previous one. The umask is
// process-wide: callers must not run in parallel with other tests that create files.
func WithUmask(t testing.TB, mask int, fn func()) {
	t.Helper()
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	fn()
}

// RequireOrdinaryModes fails t unless every file under root (root included) has mode 0666 &^ mask and every
// directory 0777 &^ mask. It returns how many files and directories it checked.
func RequireOrdinaryModes(t testing.TB, root string, mask int) (files, dirs int) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o666 &^ mask)
		if d.IsDir() {
			want = fs.FileMode(0o777 &^ mask)
			dirs++
		} else {
			files++
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o (umask %04o)", p, got, want, mask)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, dirs
}
