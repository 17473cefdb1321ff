//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"sort"
	"strings"
	"unsafe"
)

// paramPack lays out a network's parameters (and whatever constants its kernels read, such as a condition
// row) in one host array, every slice starting on a multiple of paramAlign floats (cuMemAlloc's 256 bytes,
// which the tensor-core loads need), so that the network costs one allocation and one copy.
type paramPack struct {
	host []float32
}

// place appends v and returns its span [lo, hi) in the pack.
func (p *paramPack) place(v []float32) [2]int {
	lo := len(p.host)
	p.host = append(p.host, v...)
	for len(p.host)%paramAlign != 0 {
		p.host = append(p.host, 0)
	}
	return [2]int{lo, lo + len(v)}
}

// placeTensors places tensors[name] for every name of shapes, in name order (so the layout does not
// depend on map order), each in the device layout that layout returns for it (nil: as it is), and returns
// the spans by name.
func (p *paramPack) placeTensors(tensors map[string][]float32, shapes map[string][]int, layout func(name string, shape []int, v []float32) []float32) map[string][2]int {
	names := make([]string, 0, len(shapes))
	for name := range shapes {
		names = append(names, name)
	}
	sort.Strings(names)
	spans := make(map[string][2]int, len(names))
	for _, name := range names {
		v := tensors[name]
		if layout != nil {
			v = layout(name, shapes[name], v)
		}
		spans[name] = p.place(v)
	}
	return spans
}

// upload allocates a buffer for the pack and copies it there; arch names the network in errors.
func (p *paramPack) upload(d *Device, arch string) (Buffer, error) {
	b, err := d.Alloc(len(p.host))
	if err != nil {
		return Buffer{}, fmt.Errorf("gpu: %s parameters: %w", arch, err)
	}
	if err = d.copyHtoD(b.ptr, unsafe.Pointer(&p.host[0]), 4*int64(len(p.host))); err != nil {
		d.Free(b)
		return Buffer{}, fmt.Errorf("gpu: %s parameters: %w", arch, err)
	}
	return b, nil
}

// paramSlices returns the uploaded buffer's slice of every span.
func paramSlices(b Buffer, spans map[string][2]int) map[string]Buffer {
	out := make(map[string]Buffer, len(spans))
	for name, sp := range spans {
		out[name] = b.Slice(sp[0], sp[1])
	}
	return out
}

// linearsTransposed is the device layout of networks whose only matrices are Linear weights: every 2-D
// ".weight" transposed to [in, out] (transposeLinear), the rest as it is.
func linearsTransposed(name string, sh []int, v []float32) []float32 {
	if len(sh) == 2 && strings.HasSuffix(name, ".weight") {
		return transposeLinear(v, sh[0], sh[1])
	}
	return v
}
