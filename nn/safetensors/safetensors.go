// Package safetensors reads and writes the safetensors format (Hugging Face, https://github.com/huggingface/
// safetensors): an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data section that follows) plus an
// optional "__metadata__" map of strings, then the raw little-endian tensor data. It is the exchange
// format of package nn's weights with PyTorch and of the trainer's checkpoints.
//
// Decode validates the file the way the reference implementation does: the header is a JSON object that
// fits the file, every dtype is known, every tensor's byte length equals its shape's element count times
// the dtype size, and the tensors tile the data section exactly, without gaps or overlap.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/trajdiff/trajdiff/internal/fsutil"
)

// Tensor is one named tensor: its dtype ("F32", "F64", ...), shape and raw little-endian bytes.
type Tensor struct {
	Name  string
	DType string
	Shape []int
	Data  []byte
}

// maxHeader bounds the JSON header (the reference implementation uses 100 MB).
const maxHeader = 100 << 20

// dtypeSize is the element size of each dtype of the format.
var dtypeSize = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// Elements is the product of the shape (1 for a scalar).
func (t Tensor) Elements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// F32 makes a float32 tensor.
func F32(name string, shape []int, v []float32) Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return Tensor{Name: name, DType: "F32", Shape: append([]int(nil), shape...), Data: b}
}

// F64 makes a float64 tensor.
func F64(name string, shape []int, v []float64) Tensor {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return Tensor{Name: name, DType: "F64", Shape: append([]int(nil), shape...), Data: b}
}

// Float32s converts an F32, F64, F16 or BF16 tensor to float32.
func (t Tensor) Float32s() ([]float32, error) {
	v, err := t.Float64s()
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out, nil
}

// Float64s converts an F32, F64, F16 or BF16 tensor to float64.
func (t Tensor) Float64s() ([]float64, error) {
	n := t.Elements()
	size, ok := dtypeSize[t.DType]
	if !ok || len(t.Data) != n*size {
		return nil, fmt.Errorf("safetensors: tensor %q: %d bytes for %d elements of %s", t.Name, len(t.Data), n, t.DType)
	}
	out := make([]float64, n)
	d := t.Data
	switch t.DType {
	case "F32":
		for i := range out {
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:])))
		}
	case "F64":
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = float64(math.Float32frombits(uint32(binary.LittleEndian.Uint16(d[2*i:])) << 16))
		}
	case "F16":
		for i := range out {
			out[i] = half(binary.LittleEndian.Uint16(d[2*i:]))
		}
	default:
		return nil, fmt.Errorf("safetensors: tensor %q has dtype %s, not a float type", t.Name, t.DType)
	}
	return out, nil
}

// half decodes an IEEE 754 binary16 value.
func half(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e, m := int(h>>10&0x1f), float64(h&0x3ff)
	switch e {
	case 0:
		return sign * m * math.Pow(2, -24)
	case 31:
		if m == 0 {
			return sign * math.Inf(1)
		}
		return math.NaN()
	}
	return sign * (1 + m/1024) * math.Pow(2, float64(e-15))
}

type entry struct {
	DType   string `json:"dtype"`
	Shape   []int  `json:"shape"`
	Offsets [2]int `json:"data_offsets"`
}

// Encode writes the tensors, in the given order, and the metadata. The header is padded with spaces to
// a multiple of 8 bytes so that the data section is aligned, as the reference writer does.
func Encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header := map[string]any{}
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	off := 0
	for _, t := range tensors {
		if err := t.check(); err != nil {
			return err
		}
		if _, dup := header[t.Name]; dup || t.Name == "__metadata__" {
			return fmt.Errorf("safetensors: duplicate or reserved tensor name %q", t.Name)
		}
		header[t.Name] = entry{DType: t.DType, Shape: shapeOrEmpty(t.Shape), Offsets: [2]int{off, off + len(t.Data)}}
		off += len(t.Data)
	}
	js, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: encode header: %w", err)
	}
	if pad := len(js) % 8; pad != 0 {
		js = append(js, bytes.Repeat([]byte(" "), 8-pad)...)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(js)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(js); err != nil {
		return err
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

func shapeOrEmpty(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

func (t Tensor) check() error {
	size, ok := dtypeSize[t.DType]
	if !ok {
		return fmt.Errorf("safetensors: tensor %q: unknown dtype %q", t.Name, t.DType)
	}
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("safetensors: tensor %q: negative dimension in shape %v", t.Name, t.Shape)
		}
	}
	if len(t.Data) != t.Elements()*size {
		return fmt.Errorf("safetensors: tensor %q: %d bytes, shape %v of %s needs %d", t.Name, len(t.Data), t.Shape, t.DType, t.Elements()*size)
	}
	return nil
}

// Decode parses a safetensors file held in memory. Tensors are returned in file (offset) order; their
// Data slices alias buf.
func Decode(buf []byte) ([]Tensor, map[string]string, error) {
	if len(buf) < 8 {
		return nil, nil, fmt.Errorf("safetensors: file of %d bytes is shorter than the 8-byte header length", len(buf))
	}
	n := binary.LittleEndian.Uint64(buf[:8])
	if n > maxHeader || n > uint64(len(buf)-8) {
		return nil, nil, fmt.Errorf("safetensors: header length %d does not fit the file of %d bytes", n, len(buf))
	}
	head := buf[8 : 8+n]
	if len(bytes.TrimSpace(head)) == 0 || bytes.TrimSpace(head)[0] != '{' {
		return nil, nil, fmt.Errorf("safetensors: header is not a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(head, &raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors: parse header: %w", err)
	}
	var meta map[string]string
	if m, ok := raw["__metadata__"]; ok {
		if err := json.Unmarshal(m, &meta); err != nil {
			return nil, nil, fmt.Errorf("safetensors: __metadata__ must map strings to strings: %w", err)
		}
		delete(raw, "__metadata__")
	}
	body := buf[8+n:]
	type placed struct {
		t          Tensor
		begin, end int
	}
	ps := make([]placed, 0, len(raw))
	for name, msg := range raw {
		var e entry
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		if e.Shape == nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q has no shape", name)
		}
		b, end := e.Offsets[0], e.Offsets[1]
		if b < 0 || end < b || end > len(body) {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: offsets [%d, %d] outside the %d data bytes", name, b, end, len(body))
		}
		t := Tensor{Name: name, DType: e.DType, Shape: e.Shape, Data: body[b:end:end]}
		if err := t.check(); err != nil {
			return nil, nil, err
		}
		ps = append(ps, placed{t, b, end})
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].begin != ps[j].begin {
			return ps[i].begin < ps[j].begin
		}
		return ps[i].end < ps[j].end
	})
	pos := 0
	tensors := make([]Tensor, len(ps))
	for i, p := range ps {
		if p.begin != pos {
			return nil, nil, fmt.Errorf("safetensors: tensor %q starts at byte %d, want %d (gap or overlap)", p.t.Name, p.begin, pos)
		}
		pos = p.end
		tensors[i] = p.t
	}
	if pos != len(body) {
		return nil, nil, fmt.Errorf("safetensors: tensors cover %d of the %d data bytes", pos, len(body))
	}
	return tensors, meta, nil
}

// ReadFile reads and decodes a safetensors file.
func ReadFile(path string) ([]Tensor, map[string]string, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	ts, meta, err := Decode(buf)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, meta, nil
}

// WriteFile encodes the tensors to path atomically (temporary file and rename).
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	var b bytes.Buffer
	if err := Encode(&b, tensors, metadata); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, b.Bytes())
}

// Map indexes tensors by name.
func Map(ts []Tensor) map[string]Tensor {
	m := make(map[string]Tensor, len(ts))
	for _, t := range ts {
		m[t.Name] = t
	}
	return m
}
