//go:build !hdf5 || !cgo

package d4rl

// readFile is unavailable without the hdf5 build tag.
func readFile(string) (map[string]array, error) { return nil, ErrNoHDF5 }
