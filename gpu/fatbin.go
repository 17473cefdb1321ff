package gpu

import (
	"bytes"
	"debug/elf"
	_ "embed"
	"encoding/binary"
	"fmt"
)

// kernelsFatbin is the compiled kernels (gpu/kernels/*.cu, rebuilt by `go generate ./gpu/...`).
//
//go:embed kernels.fatbin
var kernelsFatbin []byte

// fatbinEntry is one image of a CUDA fat binary: machine code (an ELF cubin) or PTX for one architecture.
type fatbinEntry struct {
	PTX        bool
	Arch       int  // e.g. 90 for sm_90 / compute_90
	Compressed bool // nvcc compresses PTX by default
	Payload    []byte
}

// Layout of the fat binary container (NVIDIA does not document it; it is the one nvcc 11-13 writes and that
// cuobjdump reads): a 16-byte header (magic 0xBA55ED50, version u16, header size u16, payload size u64), then
// entries, each a header (kind u16: 1 PTX, 2 ELF; version u16; header size u32; payload size u64; ...; arch u32
// at offset 28; flags u64 at offset 40, bit 0x2000 = compressed) followed by its payload.
const (
	fatbinMagic          = 0xBA55ED50
	fatbinKindPTX        = 1
	fatbinKindELF        = 2
	fatbinFlagCompressed = 0x2000
)

// parseFatbin lists the images of a fat binary.
func parseFatbin(b []byte) ([]fatbinEntry, error) {
	le := binary.LittleEndian
	if len(b) < 16 || le.Uint32(b) != fatbinMagic {
		return nil, fmt.Errorf("gpu: not a CUDA fat binary (no 0xBA55ED50 magic)")
	}
	hs, size := int(le.Uint16(b[6:])), le.Uint64(b[8:])
	if hs < 16 || uint64(len(b)) < uint64(hs)+size {
		return nil, fmt.Errorf("gpu: fat binary header says %d + %d bytes, have %d", hs, size, len(b))
	}
	var out []fatbinEntry
	end := hs + int(size)
	for off := hs; off < end; {
		if end-off < 48 {
			return nil, fmt.Errorf("gpu: truncated fat binary entry at byte %d", off)
		}
		e := b[off:]
		kind, ehs, psize := le.Uint16(e), int(le.Uint32(e[4:])), le.Uint64(e[8:])
		if ehs < 48 || uint64(end-off) < uint64(ehs)+psize {
			return nil, fmt.Errorf("gpu: fat binary entry at byte %d overruns the container", off)
		}
		if kind != fatbinKindPTX && kind != fatbinKindELF {
			return nil, fmt.Errorf("gpu: fat binary entry at byte %d has unknown kind %d", off, kind)
		}
		out = append(out, fatbinEntry{
			PTX:        kind == fatbinKindPTX,
			Arch:       int(le.Uint32(e[28:])),
			Compressed: le.Uint64(e[40:])&fatbinFlagCompressed != 0,
			Payload:    e[ehs : ehs+int(psize)],
		})
		off += ehs + int(psize)
	}
	return out, nil
}

// cubinKernels returns the names of the kernel entry points (global symbols of type FUNC) of a cubin. nvcc
// stores its own version in the ELF header's e_version word (offset 20), which debug/elf rejects, so a copy
// with e_version = 1 is parsed.
func cubinKernels(cubin []byte) (map[string]bool, error) {
	if len(cubin) < 24 {
		return nil, fmt.Errorf("gpu: cubin of %d bytes", len(cubin))
	}
	patched := append([]byte(nil), cubin...)
	binary.LittleEndian.PutUint32(patched[20:], uint32(elf.EV_CURRENT))
	f, err := elf.NewFile(bytes.NewReader(patched))
	if err != nil {
		return nil, fmt.Errorf("gpu: cubin: %w", err)
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("gpu: cubin symbols: %w", err)
	}
	out := map[string]bool{}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && elf.ST_BIND(s.Info) == elf.STB_GLOBAL {
			out[s.Name] = true
		}
	}
	return out, nil
}
