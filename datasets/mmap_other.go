//go:build !unix

package datasets

import (
	"fmt"
	"os"
)

// mapFile reads the whole file where memory mapping is not available.
func mapFile(path string) ([]byte, func() error, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(data) == 0 {
		return nil, nil, fmt.Errorf("%s: %w: empty file", path, ErrCorrupt)
	}
	return data, func() error { return nil }, nil
}
