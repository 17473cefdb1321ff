package datasets

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// limitAllocator refuses single allocations larger than a bound. Decompressing an IPC buffer
// allocates the uncompressed size written in the buffer's first 8 bytes; a corrupted prefix would
// otherwise request terabytes. The panic is recovered by safely and reported as ErrCorrupt.
type limitAllocator struct {
	memory.Allocator
	limit int
}

// newLimitAllocator bounds allocations at max(64 MiB, 1024 x the file size), far above the
// expansion of real compressed float data (a file of nearly constant values that compresses
// better than that must be written uncompressed).
func newLimitAllocator(fileSize int) *limitAllocator {
	return &limitAllocator{Allocator: memory.DefaultAllocator, limit: max(64<<20, 1024*fileSize)}
}

func (a *limitAllocator) Allocate(size int) []byte {
	if size < 0 || size > a.limit {
		panic(fmt.Sprintf("buffer of %d bytes requested, more than the limit %d for this file", size, a.limit))
	}
	return a.Allocator.Allocate(size)
}

func (a *limitAllocator) Reallocate(size int, b []byte) []byte {
	if size < 0 || size > a.limit {
		panic(fmt.Sprintf("buffer of %d bytes requested, more than the limit %d for this file", size, a.limit))
	}
	return a.Allocator.Reallocate(size, b)
}
