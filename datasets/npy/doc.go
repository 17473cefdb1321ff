// Package npy reads NumPy's .npy and .npz array files in pure Go.
//
// Format (numpy.lib.format, NEP 1): the magic string "\x93NUMPY", a major and minor version byte,
// a little-endian header length (uint16 for version 1, uint32 for versions 2 and 3), and an ASCII
// (version 3: UTF-8) Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)},
// padded with spaces and a newline; the raw array data follow. descr is the array-protocol type
// string: byte order ('<' little, '>' big, '|' not applicable, '=' native), kind ('f' float, 'i'
// signed, 'u' unsigned, 'b' bool, 'U' UCS-4 string, 'S' byte string) and item size. With
// fortran_order the data are stored column-major. An .npz file is a zip archive (stored or
// deflated) of .npy members, one per array, named KEY.npy.
//
// Supported: floats of 2 (half), 4 and 8 bytes, integers of 1 to 8 bytes, bools, fixed-width U
// and S strings, either byte order, C or Fortran order. Object arrays (pickles) and structured
// dtypes are rejected with an error naming the dtype; sizes are checked against the data before
// anything is allocated.
package npy
