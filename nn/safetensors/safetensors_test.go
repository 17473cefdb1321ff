package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []Tensor{
		F32("a.weight", []int{2, 3}, []float32{1, -2, 3.5, 4, 5, 6}),
		F64("b", []int{}, []float64{0.25}),
		F32("empty", []int{0, 4}, nil),
		{Name: "half", DType: "F16", Shape: []int{3}, Data: []byte{0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00}},
		{Name: "brain", DType: "BF16", Shape: []int{1}, Data: []byte{0x80, 0x3f}},
	}
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := WriteFile(path, in, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	out, meta, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["format"] != "pt" || len(out) != len(in) {
		t.Fatalf("meta %v, %d tensors", meta, len(out))
	}
	m := Map(out)
	w, _ := m["a.weight"].Float32s()
	if len(w) != 6 || w[2] != 3.5 || w[1] != -2 {
		t.Errorf("a.weight = %v", w)
	}
	b, _ := m["b"].Float64s()
	if len(b) != 1 || b[0] != 0.25 || len(m["b"].Shape) != 0 {
		t.Errorf("b = %v shape %v", b, m["b"].Shape)
	}
	h, _ := m["half"].Float64s()
	if h[0] != 1 || h[1] != -2 || h[2] != 5.960464477539063e-08 {
		t.Errorf("half = %v", h)
	}
	bf, _ := m["brain"].Float64s()
	if bf[0] != 1 {
		t.Errorf("bf16 = %v", bf)
	}
}

// hand builds a file from a literal header and data section.
func hand(header string, data []byte) []byte {
	var b bytes.Buffer
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	b.Write(n[:])
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestDecodeRejects(t *testing.T) {
	cases := map[string][]byte{
		"short":        {1, 2, 3},
		"header long":  append([]byte{255, 0, 0, 0, 0, 0, 0, 0}, []byte("{}")...),
		"not object":   hand(`[1,2]`, nil),
		"bad dtype":    hand(`{"a":{"dtype":"X9","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"size":         hand(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"gap":          hand(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)),
		"overlap":      hand(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"trailing":     hand(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 8)),
		"outside":      hand(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 2)),
		"bad metadata": hand(`{"__metadata__":{"a":1}}`, nil),
		"extra field":  hand(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, make([]byte, 4)),
		"neg shape":    hand(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, nil),
	}
	for name, buf := range cases {
		if _, _, err := Decode(buf); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestEncodeAligned(t *testing.T) {
	var b bytes.Buffer
	if err := Encode(&b, []Tensor{F32("x", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b.Bytes())
	if n%8 != 0 || !strings.HasPrefix(string(b.Bytes()[8:]), "{") {
		t.Errorf("header length %d not aligned", n)
	}
	if err := Encode(&b, []Tensor{F32("x", []int{2}, []float32{1})}, nil); err == nil {
		t.Error("inconsistent tensor encoded")
	}
}

// TestWriteForPython writes a file that scripts/nn/check_go_safetensors.py parses with an independent
// (Python) reader; .ci/check.d/nn.sh sets TRAJDIFF_NN_SAFETENSORS_OUT and runs both.
func TestWriteForPython(t *testing.T) {
	path := os.Getenv("TRAJDIFF_NN_SAFETENSORS_OUT")
	if path == "" {
		t.Skip("TRAJDIFF_NN_SAFETENSORS_OUT not set")
	}
	ar := make([]float32, 12)
	for i := range ar {
		ar[i] = float32(i) - 5.5
	}
	ts := []Tensor{
		F32("check.arange", []int{3, 4}, ar),
		F64("check.f64", []int{2}, []float64{math.Pi, math.E}),
		F32("check.scalar", []int{}, []float32{-0.125}),
		F32("check.empty", []int{0, 3}, nil),
	}
	if err := WriteFile(path, ts, map[string]string{"writer": "trajdiff"}); err != nil {
		t.Fatal(err)
	}
}
