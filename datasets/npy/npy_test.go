package npy

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const dir = "../../testdata/datasets/npy"

// ramp is what scripts/datasets/make_testdata.py stores: 0, 1, 2, ... in C order, times 0.5.
func ramp(n int, scale, offset float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i)*scale + offset
	}
	return out
}

func TestReadNumPyFiles(t *testing.T) {
	cases := []struct {
		file  string
		descr string
		want  []float64
	}{
		{"f8_c.npy", "<f8", ramp(24, 0.5, 0)},
		{"f4_big.npy", ">f4", ramp(24, 0.5, 0)},
		{"f8_fortran.npy", "<f8", ramp(24, 0.5, 0)},
		{"f8_v2.npy", "<f8", ramp(24, 0.5, 0)},
		{"f2.npy", "<f2", ramp(24, 0.5, 0)},
		{"i2_big.npy", ">i2", ramp(24, 1, -7)},
		{"u1.npy", "|u1", ramp(24, 1, 0)},
		{"i8_fortran.npy", "<i8", ramp(24, 1, 0)},
	}
	for _, tc := range cases {
		a, err := ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		if a.Descr != tc.descr || len(a.Shape) != 3 || a.Shape[0] != 2 || a.Shape[1] != 3 || a.Shape[2] != 4 {
			t.Fatalf("%s: descr %s shape %v", tc.file, a.Descr, a.Shape)
		}
		got, err := a.Float64s()
		if err != nil {
			t.Fatal(err)
		}
		for i := range tc.want {
			if got[i] != tc.want[i] {
				t.Fatalf("%s[%d] = %v, want %v (all: %v)", tc.file, i, got[i], tc.want[i], got)
			}
		}
	}
	if a, err := ReadFile(filepath.Join(dir, "i8_fortran.npy")); err != nil || !a.Fortran {
		t.Fatalf("fortran flag: %v", err)
	} else if v, _ := a.Int64s(); v[5] != 5 || v[23] != 23 {
		t.Fatalf("Int64s %v", v)
	}
	b, _ := ReadFile(filepath.Join(dir, "bool.npy"))
	bv, err := b.Float64s()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range bv {
		if (v == 1) != (i%3 == 0) {
			t.Fatalf("bool[%d] = %v", i, v)
		}
	}
	s, _ := ReadFile(filepath.Join(dir, "scalar.npy"))
	if v, _ := s.Float64s(); len(s.Shape) != 0 || len(v) != 1 || v[0] != 2.5 {
		t.Fatalf("scalar: shape %v values %v", s.Shape, v)
	}
	u, _ := ReadFile(filepath.Join(dir, "unicode.npy"))
	if v, err := u.Strings(); err != nil || strings.Join(v, ",") != "aspirin,H2O,Å" {
		t.Fatalf("unicode: %v %v", v, err)
	}
	if _, err := ReadFile(filepath.Join(dir, "object.npy")); err == nil || !strings.Contains(err.Error(), "pickle") {
		t.Fatalf("object array: %v", err)
	}
}

func TestReadNPZ(t *testing.T) {
	m, err := ReadNPZ("../../testdata/datasets/md17_tiny.npz")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(Keys(m), ",") != "E,F,R,code_version,md5,name,theory,type,z" {
		t.Fatalf("keys %v", Keys(m))
	}
	R, _ := m["R"].Float64s()
	if len(R) != 54 || R[53] != 53*0.1-0.4 {
		t.Fatalf("R %v", R)
	}
	if name, _ := m["name"].Strings(); name[0] != "water" {
		t.Fatalf("name %v", name)
	}
}

func TestRejectsBadHeaders(t *testing.T) {
	good := "\x93NUMPY\x01\x00"
	hdr := func(h string) []byte {
		h += strings.Repeat(" ", 63-len(h)%64) + "\n"
		return append(append([]byte(good), byte(len(h)), byte(len(h)>>8)), h...)
	}
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{[]byte("PK\x03\x04"), "magic"},
		{hdr("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }"), "structured"},
		{hdr("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }"), "unsupported dtype"},
		{hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"), "needs"},
		{hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, 4), }"), "too large"},
		{append(hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"), 1, 2, 3), "truncated"},
		{hdr("{'descr': '<f8', 'shape': (2,), }"), "fortran_order"},
	} {
		size := int64(len(tc.data))
		if tc.want == "truncated" {
			size = -1 // unknown size (a stream): the short data is found while reading
		}
		_, err := Read(bytes.NewReader(tc.data), size)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error mentioning %q", err, tc.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"f8_c.npy", "f4_big.npy", "f8_fortran.npy", "unicode.npy", "bool.npy"} {
		b, err := filepathRead(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		_, _ = a.Float64s()
		_, _ = a.Int64s()
		_, _ = a.Strings()
	})
}

func TestWriteNPZRoundTrips(t *testing.T) {
	name := filepath.Join(t.TempDir(), "w.npz")
	f := []float64{0.5, -1, 2.25, 3, 4, 5}
	if err := WriteNPZ(name, map[string]*Array{"R": Float64Array([]int{1, 2, 3}, f), "z": Int64Array([]int{3}, []int64{8, 1, -1})}); err != nil {
		t.Fatal(err)
	}
	m, err := ReadNPZ(name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := m["R"].Float64s()
	if err != nil || !slices.Equal(r, f) || !slices.Equal(m["R"].Shape, []int{1, 2, 3}) {
		t.Fatalf("R = %v %v (%v)", r, m["R"].Shape, err)
	}
	z, err := m["z"].Int64s()
	if err != nil || !slices.Equal(z, []int64{8, 1, -1}) || !slices.Equal(m["z"].Shape, []int{3}) {
		t.Fatalf("z = %v %v (%v)", z, m["z"].Shape, err)
	}
}
