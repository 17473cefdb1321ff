package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Array is one decoded array. Data holds the raw element bytes in file order.
type Array struct {
	Shape   []int
	Descr   string // e.g. "<f8"
	Fortran bool
	kind    byte
	size    int
	order   binary.ByteOrder
	data    []byte
}

// Kind returns the dtype kind letter: 'f', 'i', 'u', 'b', 'U' or 'S'.
func (a *Array) Kind() byte { return a.kind }

// Len returns the number of elements.
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

var magic = []byte("\x93NUMPY")

// maxHeader bounds the header length; NumPy itself limits headers to 10 kB by default.
const maxHeader = 1 << 20

// Read decodes one .npy stream. size, when >= 0, is the number of bytes available, used to reject
// impossible shapes before reading.
func Read(r io.Reader, size int64) (*Array, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("npy: reading magic: %w", err)
	}
	if !bytes.Equal(pre[:6], magic) {
		return nil, fmt.Errorf("npy: not a .npy file (starts with %q)", pre[:6])
	}
	major := pre[6]
	var hlen int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("npy: unsupported format version %d.%d", major, pre[7])
	}
	if hlen > maxHeader {
		return nil, fmt.Errorf("npy: header of %d bytes is larger than %d", hlen, maxHeader)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("npy: reading header: %w", err)
	}
	if major < 3 && !isASCII(hdr) || !utf8.Valid(hdr) {
		return nil, errors.New("npy: header is not ASCII/UTF-8 text")
	}
	a, err := parseHeader(string(hdr))
	if err != nil {
		return nil, err
	}
	n := int64(1)
	for _, d := range a.Shape {
		if d < 0 || (d > 0 && n > math.MaxInt64/int64(d)) {
			return nil, fmt.Errorf("npy: shape %v is too large", a.Shape)
		}
		n *= int64(d)
	}
	if n > 0 && int64(a.size) > math.MaxInt64/n {
		return nil, fmt.Errorf("npy: shape %v of %d-byte elements is too large", a.Shape, a.size)
	}
	need := n * int64(a.size)
	if size >= 0 && need > size-int64(len(pre))-int64(hlen) {
		return nil, fmt.Errorf("npy: shape %v of %s needs %d data bytes, the file has %d", a.Shape, a.Descr, need, size-int64(len(pre))-int64(hlen))
	}
	// ReadAll grows with the data actually present, so a lying header cannot force a huge allocation.
	a.data, err = io.ReadAll(io.LimitReader(r, need))
	if err != nil {
		return nil, fmt.Errorf("npy: reading data: %w", err)
	}
	if int64(len(a.data)) != need {
		return nil, fmt.Errorf("npy: truncated data: %d of %d bytes for shape %v of %s", len(a.data), need, a.Shape, a.Descr)
	}
	return a, nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// ReadFile reads a .npy file.
func ReadFile(name string) (*Array, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	a, err := Read(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return a, nil
}

// ReadNPZ reads every array of an .npz archive, keyed by member name without ".npy".
func ReadNPZ(name string) (map[string]*Array, error) {
	z, err := zip.OpenReader(name)
	if err != nil {
		return nil, fmt.Errorf("%s: not an .npz (zip) archive: %w", name, err)
	}
	defer z.Close()
	out := map[string]*Array{}
	for _, f := range z.File {
		key := strings.TrimSuffix(path.Clean(f.Name), ".npy")
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: member %s: %w", name, f.Name, err)
		}
		size := int64(-1)
		if f.UncompressedSize64 <= math.MaxInt64 {
			size = int64(f.UncompressedSize64)
		}
		a, err := Read(rc, size)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: member %s: %w", name, f.Name, err)
		}
		out[key] = a
	}
	return out, nil
}

// Keys returns the sorted keys of an .npz map.
func Keys(m map[string]*Array) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// cIndex returns, for C-order flat index i, the flat index in the stored order.
func (a *Array) storedIndex() func(i int) int {
	if !a.Fortran || len(a.Shape) < 2 {
		return func(i int) int { return i }
	}
	// Column-major strides.
	nd := len(a.Shape)
	strides := make([]int, nd)
	s := 1
	for k := 0; k < nd; k++ {
		strides[k] = s
		s *= a.Shape[k]
	}
	return func(i int) int {
		j := 0
		for k := nd - 1; k >= 0; k-- {
			j += (i % a.Shape[k]) * strides[k]
			i /= a.Shape[k]
		}
		return j
	}
}

// Float64s returns the elements converted to float64 in C (row-major) order. Integers and bools
// convert exactly up to 2^53.
func (a *Array) Float64s() ([]float64, error) {
	n := a.Len()
	out := make([]float64, n)
	at := a.storedIndex()
	for i := range out {
		v, err := a.number(at(i))
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// Int64s returns integer or bool elements in C order; floats must be integral.
func (a *Array) Int64s() ([]int64, error) {
	n := a.Len()
	out := make([]int64, n)
	at := a.storedIndex()
	for i := range out {
		k := at(i)
		if a.kind == 'i' || a.kind == 'u' {
			out[i] = a.int(k)
			continue
		}
		v, err := a.number(k)
		if err != nil {
			return nil, err
		}
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return nil, fmt.Errorf("npy: element %d = %v of %s is not an integer", i, v, a.Descr)
		}
		out[i] = int64(v)
	}
	return out, nil
}

// Strings returns U or S elements in C order (trailing NULs removed).
func (a *Array) Strings() ([]string, error) {
	if a.kind != 'U' && a.kind != 'S' {
		return nil, fmt.Errorf("npy: dtype %s is not a string type", a.Descr)
	}
	n := a.Len()
	out := make([]string, n)
	at := a.storedIndex()
	for i := range out {
		b := a.data[at(i)*a.size : (at(i)+1)*a.size]
		if a.kind == 'S' {
			out[i] = strings.TrimRight(string(b), "\x00")
			continue
		}
		var sb strings.Builder
		for k := 0; k+4 <= len(b); k += 4 {
			r := rune(a.order.Uint32(b[k:]))
			if r == 0 {
				break
			}
			if !utf8.ValidRune(r) {
				return nil, fmt.Errorf("npy: element %d holds invalid code point %#x", i, r)
			}
			sb.WriteRune(r)
		}
		out[i] = sb.String()
	}
	return out, nil
}

func (a *Array) int(k int) int64 {
	b := a.data[k*a.size : (k+1)*a.size]
	switch a.size {
	case 1:
		if a.kind == 'u' {
			return int64(b[0])
		}
		return int64(int8(b[0]))
	case 2:
		if a.kind == 'u' {
			return int64(a.order.Uint16(b))
		}
		return int64(int16(a.order.Uint16(b)))
	case 4:
		if a.kind == 'u' {
			return int64(a.order.Uint32(b))
		}
		return int64(int32(a.order.Uint32(b)))
	}
	return int64(a.order.Uint64(b)) // u8 above 2^63 wraps; checked by number
}

func (a *Array) number(k int) (float64, error) {
	b := a.data[k*a.size : (k+1)*a.size]
	switch a.kind {
	case 'f':
		switch a.size {
		case 2:
			return halfToFloat(a.order.Uint16(b)), nil
		case 4:
			return float64(math.Float32frombits(a.order.Uint32(b))), nil
		case 8:
			return math.Float64frombits(a.order.Uint64(b)), nil
		}
	case 'b':
		if b[0] > 1 {
			return 0, fmt.Errorf("npy: bool element %d holds byte %d", k, b[0])
		}
		return float64(b[0]), nil
	case 'i':
		return float64(a.int(k)), nil
	case 'u':
		if a.size == 8 {
			return float64(a.order.Uint64(b)), nil
		}
		return float64(a.int(k)), nil
	}
	return 0, fmt.Errorf("npy: dtype %s is not numeric", a.Descr)
}

// halfToFloat converts an IEEE 754 binary16 value.
func halfToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 31:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}

// parseHeader parses the dict literal of a .npy header.
func parseHeader(h string) (*Array, error) {
	p := &lit{s: h}
	vals, err := p.dict()
	if err != nil {
		return nil, fmt.Errorf("npy: header %q: %w", strings.TrimSpace(h), err)
	}
	a := &Array{}
	descr, ok := vals["descr"].(string)
	if !ok {
		return nil, fmt.Errorf("npy: header %q: 'descr' is missing or not a simple type string (structured dtypes are not supported)", strings.TrimSpace(h))
	}
	fo, ok := vals["fortran_order"].(bool)
	if !ok {
		return nil, fmt.Errorf("npy: header %q: 'fortran_order' is missing", strings.TrimSpace(h))
	}
	shape, ok := vals["shape"].([]int)
	if !ok {
		return nil, fmt.Errorf("npy: header %q: 'shape' is missing or not a tuple of integers", strings.TrimSpace(h))
	}
	a.Descr, a.Fortran, a.Shape = descr, fo, shape
	if len(descr) >= 2 && descr[1] == 'O' {
		return nil, fmt.Errorf("npy: object arrays (%q) hold Python pickles and are not supported", descr)
	}
	if len(descr) < 3 {
		return nil, fmt.Errorf("npy: unsupported dtype %q", descr)
	}
	switch descr[0] {
	case '<', '|', '=':
		a.order = binary.LittleEndian
	case '>':
		a.order = binary.BigEndian
	default:
		return nil, fmt.Errorf("npy: unsupported dtype %q (byte order %q)", descr, descr[0])
	}
	a.kind = descr[1]
	size, err := strconv.Atoi(descr[2:])
	if err != nil || size < 1 || size > 1<<20 {
		return nil, fmt.Errorf("npy: unsupported dtype %q", descr)
	}
	a.size = size
	switch a.kind {
	case 'f':
		if size != 2 && size != 4 && size != 8 {
			return nil, fmt.Errorf("npy: unsupported float dtype %q (want f2, f4 or f8)", descr)
		}
	case 'i', 'u':
		if size != 1 && size != 2 && size != 4 && size != 8 {
			return nil, fmt.Errorf("npy: unsupported integer dtype %q", descr)
		}
	case 'b':
		if size != 1 {
			return nil, fmt.Errorf("npy: unsupported bool dtype %q", descr)
		}
	case 'U':
		a.size = 4 * size
	case 'S':
	default:
		return nil, fmt.Errorf("npy: unsupported dtype %q", descr)
	}
	return a, nil
}

// lit is a tiny parser for the Python literals in .npy headers.
type lit struct {
	s string
	i int
}

func (p *lit) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *lit) expect(c byte) error {
	p.skip()
	if p.i >= len(p.s) || p.s[p.i] != c {
		return fmt.Errorf("expected %q at offset %d", c, p.i)
	}
	p.i++
	return nil
}

func (p *lit) peek() byte {
	p.skip()
	if p.i >= len(p.s) {
		return 0
	}
	return p.s[p.i]
}

func (p *lit) dict() (map[string]any, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	out := map[string]any{}
	for p.peek() != '}' {
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("dict key at offset %d is not a string", p.i)
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out[key] = v
		if p.peek() == ',' {
			p.i++
			continue
		}
		if p.peek() != '}' {
			return nil, fmt.Errorf("expected ',' or '}' at offset %d", p.i)
		}
	}
	p.i++
	return out, nil
}

// value parses a string, True/False, an integer tuple, or a list (returned as an error marker).
func (p *lit) value() (any, error) {
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		p.i++
		j := strings.IndexByte(p.s[p.i:], c)
		if j < 0 {
			return nil, errors.New("unterminated string")
		}
		v := p.s[p.i : p.i+j]
		p.i += j + 1
		return v, nil
	case c == '(':
		p.i++
		var dims []int
		for p.peek() != ')' {
			j := p.i
			for j < len(p.s) && (p.s[j] >= '0' && p.s[j] <= '9') {
				j++
			}
			if j == p.i {
				return nil, fmt.Errorf("expected an integer at offset %d", p.i)
			}
			d, err := strconv.Atoi(p.s[p.i:j])
			if err != nil {
				return nil, err
			}
			if j < len(p.s) && p.s[j] == 'L' {
				j++
			}
			dims = append(dims, d)
			p.i = j
			if p.peek() == ',' {
				p.i++
			}
		}
		p.i++
		if dims == nil {
			dims = []int{}
		}
		return dims, nil
	case c == '[':
		return nil, errors.New("structured dtypes (a list descr) are not supported")
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	}
	return nil, fmt.Errorf("unexpected text at offset %d", p.i)
}

// Float64Array returns a little-endian float64 array ("<f8", C order) of the given shape holding v.
func Float64Array(shape []int, v []float64) *Array {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return &Array{Shape: shape, Descr: "<f8", kind: 'f', size: 8, order: binary.LittleEndian, data: b}
}

// Int64Array returns a little-endian int64 array ("<i8", C order) of the given shape holding v.
func Int64Array(shape []int, v []int64) *Array {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return &Array{Shape: shape, Descr: "<i8", kind: 'i', size: 8, order: binary.LittleEndian, data: b}
}

// Write encodes a as a version 1.0 .npy stream (the header dict padded to a multiple of 64 bytes).
func Write(w io.Writer, a *Array) error {
	if a.Len()*a.size != len(a.data) {
		return fmt.Errorf("npy: array of shape %v and item size %d holds %d bytes", a.Shape, a.size, len(a.data))
	}
	dims := make([]string, len(a.Shape))
	for i, d := range a.Shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := strings.Join(dims, ", ")
	if len(a.Shape) == 1 {
		shape += ","
	}
	fortran := "False"
	if a.Fortran {
		fortran = "True"
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }", a.Descr, fortran, shape)
	pad := 64 - (len(magic)+4+len(h)+1)%64
	if pad == 64 {
		pad = 0
	}
	h += strings.Repeat(" ", pad) + "\n"
	if len(h) > math.MaxUint16 {
		return fmt.Errorf("npy: header of %d bytes", len(h))
	}
	var pre [10]byte
	copy(pre[:], magic)
	pre[6], pre[7] = 1, 0
	binary.LittleEndian.PutUint16(pre[8:], uint16(len(h)))
	for _, b := range [][]byte{pre[:], []byte(h), a.data} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// WriteNPZ writes arrays as a deflated .npz archive, one member KEY.npy per key in sorted order.
func WriteNPZ(name string, arrays map[string]*Array) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	z := zip.NewWriter(f)
	for _, k := range Keys(arrays) {
		m, err := z.Create(k + ".npy")
		if err == nil {
			err = Write(m, arrays[k])
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("%s: member %s: %w", name, k, err)
		}
	}
	if err := z.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
