// Package fsutil holds the file-system helpers every trajdiff writer shares.
package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
)

// AtomicFile is a file written under a temporary name in the destination's directory and renamed over the
// destination by Commit, so that readers never see a partial file and an interrupted write leaves none.
type AtomicFile struct {
	*os.File
	path string
	done bool
}

// CreateAtomic opens a temporary file next to path. The committed file has the permissions os.Create would
// give it (0666 less the umask).
func CreateAtomic(path string) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := CreateTemp(dir, TempPrefix(base))
	if err != nil {
		return nil, fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	return &AtomicFile{File: f, path: path}, nil
}

// Commit flushes the data to disk, closes the file and renames it to its destination.
func (a *AtomicFile) Commit() error {
	if a.done {
		return fmt.Errorf("commit %s: already committed or aborted", a.path)
	}
	a.done = true
	if err := a.File.Sync(); err != nil {
		a.File.Close()
		os.Remove(a.File.Name())
		return fmt.Errorf("sync %s: %w", a.path, err)
	}
	if err := a.File.Close(); err != nil {
		os.Remove(a.File.Name())
		return fmt.Errorf("close %s: %w", a.path, err)
	}
	if err := os.Rename(a.File.Name(), a.path); err != nil {
		os.Remove(a.File.Name())
		return fmt.Errorf("rename to %s: %w", a.path, err)
	}
	return nil
}

// Abort discards the temporary file; it is a no-op after Commit.
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.File.Close()
	os.Remove(a.File.Name())
}

// WriteFileAtomic writes data to path through a temporary file and a rename.
func WriteFileAtomic(path string, data []byte) error {
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// TempPrefix is the prefix of the temporaries of a destination named base: hidden, and recognisable as
// base's by RemoveStale and Temporaries.
func TempPrefix(base string) string { return "." + base + ".tmp-" }
