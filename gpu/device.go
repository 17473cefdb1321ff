//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"gorgonia.org/cu"
)

// Device is one GPU with trajdiff's kernels loaded in its primary context. Its methods may be called from any
// goroutine: each call locks its OS thread and makes the context current for its duration (a CUDA context is
// current per thread, and goroutines move between threads).
type Device struct {
	dev  cu.Device
	ctx  cu.CUContext
	mod  cu.Module
	fn   [numKernels]cu.Function
	info Info

	mu     sync.Mutex
	closed bool
}

// Open initialises device `ordinal`, retains its primary context and loads the embedded kernels. It never
// exits the process (gorgonia.org/cu's initialiser, which runs before main, does when there is no driver or no
// GPU at all).
func Open(ordinal int) (*Device, error) {
	n, err := cu.NumDevices()
	if err != nil {
		return nil, fmt.Errorf("gpu: counting devices: %w", err)
	}
	if ordinal < 0 || ordinal >= n {
		return nil, fmt.Errorf("gpu: device %d requested, %d present", ordinal, n)
	}
	d := &Device{}
	if d.dev, err = cu.GetDevice(ordinal); err != nil {
		return nil, fmt.Errorf("gpu: device %d: %w", ordinal, err)
	}
	if d.info, err = queryInfo(d.dev, ordinal); err != nil {
		return nil, err
	}
	if d.info.Major < 8 {
		return nil, fmt.Errorf("gpu: %s has compute capability %d.%d; the kernels need 8.0 or later (Ampere, Hopper)",
			d.info.Name, d.info.Major, d.info.Minor)
	}
	if d.ctx, err = d.dev.RetainPrimaryCtx(); err != nil {
		return nil, fmt.Errorf("gpu: retaining the primary context of %s: %w", d.info.Name, err)
	}
	err = d.do(func() error {
		// cuModuleLoadFatBinary reads the image from C memory; cu copies the Go bytes there (C.CString copies
		// all len bytes, embedded NULs included).
		mod, err := cu.LoadFatBinary(string(kernelsFatbin))
		if err != nil {
			return fmt.Errorf("gpu: loading the kernel fatbin (%s) on %s: %w", fatbinCompiler, d.info.Name, err)
		}
		d.mod = mod
		for k := kernel(0); k < numKernels; k++ {
			if d.fn[k], err = mod.Function(k.String()); err != nil {
				return fmt.Errorf("gpu: kernel %s: %w", k, err)
			}
		}
		for _, k := range []kernel{kGemmTF32x4, kGemmTF32x1} {
			if err := setMaxDynamicSmem(d.fn[k], newGemmLayout(4).smemBytes()); err != nil {
				return fmt.Errorf("gpu: %s shared memory: %w", k, err)
			}
		}
		if err := setMaxDynamicSmem(d.fn[kGemmBF16x8], newGemmLayout(2).smemBytes()); err != nil {
			return fmt.Errorf("gpu: %s shared memory: %w", kGemmBF16x8, err)
		}
		return nil
	})
	if err != nil {
		d.dev.ReleasePrimaryCtx()
		return nil, err
	}
	return d, nil
}

func queryInfo(dev cu.Device, ordinal int) (Info, error) {
	name, err := dev.Name()
	if err != nil {
		return Info{}, fmt.Errorf("gpu: device %d name: %w", ordinal, err)
	}
	const smemOptin = cu.DeviceAttribute(97) // CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
	v, err := dev.Attributes(cu.ComputeCapabilityMajor, cu.ComputeCapabilityMinor, cu.MultiprocessorCount,
		cu.ClockRate, cu.MemoryClockRate, cu.GlobalMemoryBusWidth, cu.L2CacheSize, smemOptin)
	if err != nil {
		return Info{}, fmt.Errorf("gpu: %s attributes: %w", name, err)
	}
	mem, err := dev.TotalMem()
	if err != nil {
		return Info{}, fmt.Errorf("gpu: %s memory size: %w", name, err)
	}
	return Info{Ordinal: ordinal, Name: name, Major: v[0], Minor: v[1], SMs: v[2], ClockKHz: v[3], MemClockKHz: v[4],
		BusWidth: v[5], L2Bytes: v[6], SmemOptin: v[7], TotalMem: mem, Driver: cu.Version()}, nil
}

// Info describes the device.
func (d *Device) Info() Info { return d.info }

// do runs f on a locked OS thread with the device's context current.
func (d *Device) do(f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Nested calls (a denoiser launching inside the executor's step, possibly during graph capture) find the
	// context already current and skip the set.
	if cur, err := cu.CurrentContext(); err != nil || cur != d.ctx {
		if err := cu.SetCurrentContext(d.ctx); err != nil {
			return fmt.Errorf("gpu: making the context of %s current: %w", d.info.Name, err)
		}
	}
	return f()
}

// Close waits for outstanding work, unloads the kernels and releases the primary context. Buffers, streams and
// executors of the device must not be used afterwards.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	err := d.do(func() error {
		if err := cu.Synchronize(); err != nil {
			return fmt.Errorf("gpu: synchronising before close: %w", err)
		}
		if err := d.mod.Unload(); err != nil {
			return fmt.Errorf("gpu: unloading kernels: %w", err)
		}
		return nil
	})
	if rerr := d.dev.ReleasePrimaryCtx(); rerr != nil && err == nil {
		err = fmt.Errorf("gpu: releasing the primary context: %w", rerr)
	}
	return err
}

// MemInfo returns the free and total device memory in bytes.
func (d *Device) MemInfo() (free, total int64, err error) {
	err = d.do(func() error {
		var e error
		free, total, e = cu.MemInfo()
		return e
	})
	return
}

// Synchronize waits until all work queued on the device (every stream) is done.
func (d *Device) Synchronize() error {
	return d.do(func() error {
		if err := cu.Synchronize(); err != nil {
			return fmt.Errorf("gpu: synchronize: %w", err)
		}
		return nil
	})
}

// Buffer is device memory holding Len float32 values. It is a plain value (pointer and length): slicing does
// not copy, and the memory is released with Device.Free on the buffer returned by Alloc.
type Buffer struct {
	ptr cu.DevicePtr
	n   int
}

// Len is the number of float32 values.
func (b Buffer) Len() int { return b.n }

// Ptr is the device address.
func (b Buffer) Ptr() uintptr { return uintptr(b.ptr) }

// Slice returns the values [lo, hi).
func (b Buffer) Slice(lo, hi int) Buffer {
	if lo < 0 || hi < lo || hi > b.n {
		panic(fmt.Sprintf("gpu: slice [%d:%d] of a buffer of %d values", lo, hi, b.n))
	}
	return Buffer{ptr: b.ptr + cu.DevicePtr(4*lo), n: hi - lo}
}

// BF16 is device memory holding Len bfloat16 values (the tensor cores' 16-bit input format).
type BF16 struct {
	ptr cu.DevicePtr
	n   int
}

// Len is the number of bfloat16 values.
func (b BF16) Len() int { return b.n }

// alloc returns bytes of device memory (cuMemAlloc: 256-byte aligned).
func (d *Device) alloc(bytes int64) (cu.DevicePtr, error) {
	if bytes <= 0 {
		bytes = 4
	}
	var p cu.DevicePtr
	err := d.do(func() error {
		var e error
		p, e = cu.MemAlloc(bytes)
		return e
	})
	if err != nil {
		return 0, fmt.Errorf("gpu: allocating %d bytes on %s: %w", bytes, d.info.Name, err)
	}
	return p, nil
}

func (d *Device) free(p cu.DevicePtr) error {
	if p == 0 {
		return nil
	}
	return d.do(func() error {
		if err := cu.MemFree(p); err != nil {
			return fmt.Errorf("gpu: freeing device memory: %w", err)
		}
		return nil
	})
}

// Alloc returns n float32 values of uninitialised device memory.
func (d *Device) Alloc(n int) (Buffer, error) {
	if n < 0 {
		return Buffer{}, fmt.Errorf("gpu: allocating %d values", n)
	}
	p, err := d.alloc(4 * int64(n))
	return Buffer{ptr: p, n: n}, err
}

// AllocBF16 returns n bfloat16 values of uninitialised device memory.
func (d *Device) AllocBF16(n int) (BF16, error) {
	if n < 0 {
		return BF16{}, fmt.Errorf("gpu: allocating %d values", n)
	}
	p, err := d.alloc(2 * int64(n))
	return BF16{ptr: p, n: n}, err
}

// Free releases a buffer returned by Alloc.
func (d *Device) Free(b Buffer) error { return d.free(b.ptr) }

// freeAll releases every allocated buffer of bufs and zeroes it (so a second call frees nothing twice),
// returning the first error.
func (d *Device) freeAll(bufs ...*Buffer) error {
	var first error
	for _, b := range bufs {
		if b.ptr != 0 {
			if err := d.Free(*b); err != nil && first == nil {
				first = err
			}
			*b = Buffer{}
		}
	}
	return first
}

// FreeBF16 releases a buffer returned by AllocBF16.
func (d *Device) FreeBF16(b BF16) error { return d.free(b.ptr) }

// Upload copies src into dst after all queued work on the device is done (so it never races a kernel that
// still reads dst).
func (d *Device) Upload(dst Buffer, src []float32) error {
	if len(src) != dst.n {
		return fmt.Errorf("gpu: upload of %d values into a buffer of %d", len(src), dst.n)
	}
	return d.copyHtoD(dst.ptr, unsafe.Pointer(unsafe.SliceData(src)), 4*int64(len(src)))
}

// Download copies src into dst after all queued work on the device is done.
func (d *Device) Download(dst []float32, src Buffer) error {
	if len(dst) != src.n {
		return fmt.Errorf("gpu: download of a buffer of %d values into %d", src.n, len(dst))
	}
	return d.copyDtoH(unsafe.Pointer(unsafe.SliceData(dst)), src.ptr, 4*int64(len(dst)))
}

// UploadBF16 copies raw bfloat16 bits into dst.
func (d *Device) UploadBF16(dst BF16, src []uint16) error {
	if len(src) != dst.n {
		return fmt.Errorf("gpu: upload of %d values into a buffer of %d", len(src), dst.n)
	}
	return d.copyHtoD(dst.ptr, unsafe.Pointer(unsafe.SliceData(src)), 2*int64(len(src)))
}

// DownloadBF16 copies raw bfloat16 bits out of src.
func (d *Device) DownloadBF16(dst []uint16, src BF16) error {
	if len(dst) != src.n {
		return fmt.Errorf("gpu: download of a buffer of %d values into %d", src.n, len(dst))
	}
	return d.copyDtoH(unsafe.Pointer(unsafe.SliceData(dst)), src.ptr, 2*int64(len(dst)))
}

func (d *Device) copyHtoD(dst cu.DevicePtr, src unsafe.Pointer, bytes int64) error {
	if bytes == 0 {
		return nil
	}
	return d.do(func() error {
		if err := cu.Synchronize(); err != nil {
			return fmt.Errorf("gpu: synchronize before upload: %w", err)
		}
		if err := cu.MemcpyHtoD(dst, src, bytes); err != nil {
			return fmt.Errorf("gpu: upload of %d bytes: %w", bytes, err)
		}
		return nil
	})
}

func (d *Device) copyDtoH(dst unsafe.Pointer, src cu.DevicePtr, bytes int64) error {
	if bytes == 0 {
		return nil
	}
	return d.do(func() error {
		if err := cu.Synchronize(); err != nil {
			return fmt.Errorf("gpu: synchronize before download: %w", err)
		}
		if err := cu.MemcpyDtoH(dst, src, bytes); err != nil {
			return fmt.Errorf("gpu: download of %d bytes: %w", bytes, err)
		}
		return nil
	})
}
