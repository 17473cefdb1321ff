//go:build unix

package datasets

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps path read-only into memory. The returned release function unmaps it; slices into
// the mapping must not be used afterwards.
func mapFile(path string) ([]byte, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", path)
	}
	size := fi.Size()
	if size == 0 {
		return nil, nil, fmt.Errorf("%s: %w: empty file", path, ErrCorrupt)
	}
	if int64(int(size)) != size {
		return nil, nil, fmt.Errorf("%s is too large to map (%d bytes)", path, size)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("mmap %s: %w", path, err)
	}
	return data, func() error { return syscall.Munmap(data) }, nil
}
