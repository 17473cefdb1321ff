//go:build !cuda

package gpu

import "errors"

// ErrNoCUDA is returned by Open in a build without the `cuda` tag.
var ErrNoCUDA = errors.New("gpu: trajdiff was built without CUDA support; rebuild with -tags cuda (needs cuda.h and libcuda, see gpu/doc.go)")

// Device stands for a GPU; in a build without the `cuda` tag none can be opened.
type Device struct{}

// Open returns ErrNoCUDA: this build has no GPU support.
func Open(ordinal int) (*Device, error) { return nil, ErrNoCUDA }

// Info describes the device; never reached in this build.
func (d *Device) Info() Info { return Info{} }

// Close does nothing in this build.
func (d *Device) Close() error { return nil }
