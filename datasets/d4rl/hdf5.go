//go:build hdf5 && cgo

package d4rl

/*
#cgo pkg-config: hdf5
#include <hdf5.h>
#include <stdlib.h>

static hid_t td_native_double(void) { return H5T_NATIVE_DOUBLE; }

static void td_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

// td_exists reports whether a link exists (parents are checked by the caller).
static int td_exists(hid_t loc, const char *name) { return H5Lexists(loc, name, H5P_DEFAULT) > 0; }

// td_info returns the rank (or -1) and fills dims (up to 8), the type class and element size.
static int td_info(hid_t f, const char *name, hsize_t *dims, int *cls, size_t *size) {
	hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
	if (d < 0) return -1;
	hid_t s = H5Dget_space(d);
	hid_t t = H5Dget_type(d);
	int nd = -1;
	if (s >= 0 && t >= 0) {
		nd = H5Sget_simple_extent_ndims(s);
		if (nd > 8) nd = -2;
		else if (nd >= 0) H5Sget_simple_extent_dims(s, dims, NULL);
		*cls = (int)H5Tget_class(t);
		*size = H5Tget_size(t);
	}
	if (t >= 0) H5Tclose(t);
	if (s >= 0) H5Sclose(s);
	H5Dclose(d);
	return nd;
}

// td_read reads a numeric dataset converted to double (native=0) or a one-byte enum/integer in
// its native type into bytes (native=1).
static int td_read(hid_t f, const char *name, void *buf, int native) {
	hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
	if (d < 0) return -1;
	herr_t r;
	if (native) {
		hid_t ft = H5Dget_type(d);
		hid_t mt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
		r = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
		H5Tclose(mt);
		H5Tclose(ft);
	} else {
		r = H5Dread(d, td_native_double(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
	}
	H5Dclose(d);
	return r < 0 ? -1 : 0;
}

// td_group_names fills names (newline-separated) of the links in a group; returns count or -1.
static long td_group_size(hid_t f, const char *group) {
	hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
	if (g < 0) return -1;
	H5G_info_t info;
	herr_t r = H5Gget_info(g, &info);
	H5Gclose(g);
	return r < 0 ? -1 : (long)info.nlinks;
}

static long td_group_name(hid_t f, const char *group, long i, char *buf, size_t n) {
	hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
	if (g < 0) return -1;
	ssize_t r = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, (hsize_t)i, buf, n, H5P_DEFAULT);
	H5Gclose(g);
	return (long)r;
}

static hid_t td_open(const char *name) { td_quiet(); return H5Fopen(name, H5F_ACC_RDONLY, H5P_DEFAULT); }
*/
import "C"

import (
	"fmt"
	"os"
	"sync"
	"unsafe"
)

// hdf5Mu serialises calls into Debian's serial (not thread-safe) HDF5 build.
var hdf5Mu sync.Mutex

// maxElements bounds one dataset read (the file is loaded into memory).
const maxElements = 1 << 31

// readFile reads the numeric D4RL datasets of an HDF5 file.
func readFile(path string) (map[string]array, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("d4rl: %w", err)
	}
	hdf5Mu.Lock()
	defer hdf5Mu.Unlock()
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	f := C.td_open(cpath)
	if f < 0 {
		return nil, fmt.Errorf("d4rl: %s is not a readable HDF5 file", path)
	}
	defer C.H5Fclose(f)
	names := []string{"observations", "actions", "rewards", "terminals", "timeouts"}
	cinfos := C.CString("infos")
	if C.td_exists(f, cinfos) != 0 {
		n := C.td_group_size(f, cinfos)
		buf := make([]byte, 512)
		for i := C.long(0); i < n; i++ {
			l := C.td_group_name(f, cinfos, i, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
			if l < 0 || int(l) >= len(buf) {
				C.free(unsafe.Pointer(cinfos))
				return nil, fmt.Errorf("d4rl: %s: cannot read the names in group infos", path)
			}
			names = append(names, "infos/"+string(buf[:l]))
		}
	}
	C.free(unsafe.Pointer(cinfos))
	out := map[string]array{}
	for _, name := range names {
		a, ok, err := readDataset(f, path, name)
		if err != nil {
			return nil, err
		}
		if ok {
			out[name] = a
		}
	}
	return out, nil
}

func readDataset(f C.hid_t, path, name string) (array, bool, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	if C.td_exists(f, cname) == 0 {
		return array{}, false, nil
	}
	var dims [8]C.hsize_t
	var cls C.int
	var size C.size_t
	nd := int(C.td_info(f, cname, &dims[0], &cls, &size))
	if nd < 0 {
		return array{}, false, fmt.Errorf("d4rl: %s: %s is not a dataset of rank <= 8", path, name)
	}
	a := array{shape: make([]int, nd)}
	n := 1
	for i := range a.shape {
		a.shape[i] = int(dims[i])
		if a.shape[i] < 0 || (a.shape[i] > 0 && n > maxElements/a.shape[i]) {
			return array{}, false, fmt.Errorf("d4rl: %s: %s has shape %v, too large", path, name, a.shape)
		}
		n *= a.shape[i]
	}
	a.data = make([]float64, n)
	if n == 0 {
		return a, true, nil
	}
	switch cls {
	case C.H5T_INTEGER, C.H5T_FLOAT:
		if C.td_read(f, cname, unsafe.Pointer(&a.data[0]), 0) < 0 {
			return array{}, false, fmt.Errorf("d4rl: %s: reading %s failed", path, name)
		}
	case C.H5T_ENUM: // h5py stores numpy bools as an enum over int8
		if size != 1 {
			return array{}, false, fmt.Errorf("d4rl: %s: %s is an enum of %d bytes, want a 1-byte bool", path, name, size)
		}
		raw := make([]byte, n)
		if C.td_read(f, cname, unsafe.Pointer(&raw[0]), 1) < 0 {
			return array{}, false, fmt.Errorf("d4rl: %s: reading %s failed", path, name)
		}
		for i, b := range raw {
			a.data[i] = float64(b)
		}
	default:
		return array{}, false, fmt.Errorf("d4rl: %s: %s has HDF5 type class %d, want numbers or bools", path, name, cls)
	}
	return a, true, nil
}
