package datasets

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// arrow-go decodes IPC metadata (flatbuffers) without verifying it first: a corrupted vector length
// makes it allocate that many elements (tens of GB from a few bytes) or recurse without bound,
// which kills the process instead of returning an error. Before handing bytes to arrow-go we
// therefore verify the flatbuffers it reads (footer, schema, message headers) against the Arrow
// format's table layouts (format/File.fbs, Schema.fbs, Message.fbs): every table, vtable, string
// and vector must lie inside the buffer, nesting is bounded and so is the number of tables.

const (
	fbMaxDepth  = 64
	fbMaxTables = 1 << 17
)

type fbVerifier struct {
	buf    []byte
	tables int
}

var errFB = errors.New("invalid flatbuffer")

func (v *fbVerifier) u32(pos int) (int, error) {
	if pos < 0 || pos+4 > len(v.buf) {
		return 0, fmt.Errorf("%w: offset %d outside %d bytes", errFB, pos, len(v.buf))
	}
	return int(binary.LittleEndian.Uint32(v.buf[pos:])), nil
}

// table checks the table at pos and returns a field locator: field(slot) returns the absolute
// position of the slot's data or -1 when absent.
func (v *fbVerifier) table(pos int) (func(slot int) int, error) {
	v.tables++
	if v.tables > fbMaxTables {
		return nil, fmt.Errorf("%w: more than %d tables", errFB, fbMaxTables)
	}
	if pos < 0 || pos+4 > len(v.buf) {
		return nil, fmt.Errorf("%w: table at %d outside %d bytes", errFB, pos, len(v.buf))
	}
	vt := pos - int(int32(binary.LittleEndian.Uint32(v.buf[pos:])))
	if vt < 0 || vt+4 > len(v.buf) {
		return nil, fmt.Errorf("%w: vtable at %d outside %d bytes", errFB, vt, len(v.buf))
	}
	vtSize := int(binary.LittleEndian.Uint16(v.buf[vt:]))
	tblSize := int(binary.LittleEndian.Uint16(v.buf[vt+2:]))
	if vtSize < 4 || vtSize%2 != 0 || vt+vtSize > len(v.buf) || tblSize < 4 || pos+tblSize > len(v.buf) {
		return nil, fmt.Errorf("%w: bad vtable (size %d, table size %d) at %d", errFB, vtSize, tblSize, vt)
	}
	return func(slot int) int {
		o := 4 + 2*slot
		if o+2 > vtSize {
			return -1
		}
		off := int(binary.LittleEndian.Uint16(v.buf[vt+o:]))
		if off == 0 {
			return -1
		}
		if off >= tblSize {
			return -2
		}
		return pos + off
	}, nil
}

// ref follows the offset stored at pos (a table, vector or string reference).
func (v *fbVerifier) ref(pos int) (int, error) {
	if pos == -2 {
		return 0, fmt.Errorf("%w: field outside its table", errFB)
	}
	o, err := v.u32(pos)
	if err != nil {
		return 0, err
	}
	return pos + o, nil
}

// vector checks the vector referenced at field position pos with elements of elem bytes and
// returns its first element's position and length.
func (v *fbVerifier) vector(pos, elem int) (int, int, error) {
	if pos == -1 {
		return 0, 0, nil
	}
	at, err := v.ref(pos)
	if err != nil {
		return 0, 0, err
	}
	n, err := v.u32(at)
	if err != nil {
		return 0, 0, err
	}
	if n > (len(v.buf)-at-4)/elem {
		return 0, 0, fmt.Errorf("%w: vector of %d x %d bytes at %d exceeds the buffer", errFB, n, elem, at)
	}
	return at + 4, n, nil
}

// tables checks a vector of tables with check applied to each.
func (v *fbVerifier) tablesVec(pos, depth int, check func(int, int) error) error {
	first, n, err := v.vector(pos, 4)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		t, err := v.ref(first + 4*i)
		if err != nil {
			return err
		}
		if err := check(t, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (v *fbVerifier) table0(pos int, depth int, check func(field func(int) int, depth int) error) error {
	if depth > fbMaxDepth {
		return fmt.Errorf("%w: nesting deeper than %d", errFB, fbMaxDepth)
	}
	f, err := v.table(pos)
	if err != nil {
		return err
	}
	return check(f, depth)
}

// subtable checks the optional table referenced at field position pos.
func (v *fbVerifier) subtable(pos, depth int, check func(int, int) error) error {
	if pos == -1 {
		return nil
	}
	t, err := v.ref(pos)
	if err != nil {
		return err
	}
	return check(t, depth+1)
}

func (v *fbVerifier) keyValue(pos, depth int) error {
	return v.table0(pos, depth, func(f func(int) int, depth int) error {
		for slot := 0; slot < 2; slot++ {
			if _, _, err := v.vector(f(slot), 1); err != nil {
				return err
			}
		}
		return nil
	})
}

// typeTable checks a Type union member; only Timestamp (timezone) and Union (typeIds) hold
// references.
func (v *fbVerifier) typeTable(typ byte) func(int, int) error {
	return func(pos, depth int) error {
		return v.table0(pos, depth, func(f func(int) int, depth int) error {
			switch typ {
			case 10: // Timestamp.timezone
				_, _, err := v.vector(f(1), 1)
				return err
			case 14: // Union.typeIds
				_, _, err := v.vector(f(1), 4)
				return err
			}
			return nil
		})
	}
}

func (v *fbVerifier) field(pos, depth int) error {
	return v.table0(pos, depth, func(f func(int) int, depth int) error {
		if _, _, err := v.vector(f(0), 1); err != nil { // name
			return err
		}
		var typ byte
		if p := f(2); p >= 0 {
			typ = v.buf[p]
		}
		if err := v.subtable(f(3), depth, v.typeTable(typ)); err != nil {
			return err
		}
		if err := v.subtable(f(4), depth, func(pos, depth int) error { // DictionaryEncoding
			return v.table0(pos, depth, func(f func(int) int, depth int) error {
				return v.subtable(f(1), depth, v.typeTable(2))
			})
		}); err != nil {
			return err
		}
		if err := v.tablesVec(f(5), depth, v.field); err != nil { // children
			return err
		}
		return v.tablesVec(f(6), depth, v.keyValue)
	})
}

func (v *fbVerifier) schema(pos, depth int) error {
	return v.table0(pos, depth, func(f func(int) int, depth int) error {
		if err := v.tablesVec(f(1), depth, v.field); err != nil {
			return err
		}
		if err := v.tablesVec(f(2), depth, v.keyValue); err != nil {
			return err
		}
		_, _, err := v.vector(f(3), 8)
		return err
	})
}

func (v *fbVerifier) recordBatch(pos, depth int) error {
	return v.table0(pos, depth, func(f func(int) int, depth int) error {
		if _, _, err := v.vector(f(1), 16); err != nil { // nodes
			return err
		}
		if _, _, err := v.vector(f(2), 16); err != nil { // buffers
			return err
		}
		if err := v.subtable(f(3), depth, func(pos, depth int) error {
			return v.table0(pos, depth, func(func(int) int, int) error { return nil })
		}); err != nil {
			return err
		}
		_, _, err := v.vector(f(4), 8)
		return err
	})
}

func (v *fbVerifier) root() (int, error) {
	o, err := v.u32(0)
	if err != nil {
		return 0, err
	}
	return o, nil
}

// verifyFooter checks an IPC file footer flatbuffer.
func verifyFooter(buf []byte) error {
	v := &fbVerifier{buf: buf}
	r, err := v.root()
	if err != nil {
		return err
	}
	return v.table0(r, 0, func(f func(int) int, depth int) error {
		if err := v.subtable(f(1), depth, v.schema); err != nil {
			return err
		}
		for _, slot := range []int{2, 3} { // dictionaries, recordBatches: Block structs
			if _, _, err := v.vector(f(slot), 24); err != nil {
				return err
			}
		}
		return v.tablesVec(f(4), depth, v.keyValue)
	})
}

// verifyMessage checks an IPC message flatbuffer (schema, record batch or dictionary batch).
func verifyMessage(buf []byte) error {
	v := &fbVerifier{buf: buf}
	r, err := v.root()
	if err != nil {
		return err
	}
	return v.table0(r, 0, func(f func(int) int, depth int) error {
		var typ byte
		if p := f(1); p >= 0 {
			typ = v.buf[p]
		}
		var check func(int, int) error
		switch typ {
		case 1:
			check = v.schema
		case 2: // DictionaryBatch: data is a RecordBatch
			check = func(pos, depth int) error {
				return v.table0(pos, depth, func(f func(int) int, depth int) error {
					return v.subtable(f(1), depth, v.recordBatch)
				})
			}
		case 3:
			check = v.recordBatch
		default:
			return fmt.Errorf("%w: message header type %d is not a schema or record batch", errFB, typ)
		}
		if err := v.subtable(f(2), depth, check); err != nil {
			return err
		}
		return v.tablesVec(f(4), depth, v.keyValue)
	})
}

// messageAt returns the flatbuffer of the encapsulated IPC message starting at data[pos:], and
// the position after it: [0xFFFFFFFF] int32 length, flatbuffer.
func messageAt(data []byte, pos int) ([]byte, int, error) {
	if pos < 0 || pos+4 > len(data) {
		return nil, 0, fmt.Errorf("message at %d outside %d bytes", pos, len(data))
	}
	n := binary.LittleEndian.Uint32(data[pos:])
	pos += 4
	if n == 0xFFFFFFFF {
		if pos+4 > len(data) {
			return nil, 0, fmt.Errorf("message at %d outside %d bytes", pos, len(data))
		}
		n = binary.LittleEndian.Uint32(data[pos:])
		pos += 4
	}
	if int64(n) > int64(len(data)-pos) {
		return nil, 0, fmt.Errorf("message of %d bytes at %d outside %d bytes", n, pos, len(data))
	}
	return data[pos : pos+int(n)], pos + int(n), nil
}

// verifyIPCFile checks the footer and every message block of an IPC file before arrow-go reads it.
func verifyIPCFile(data []byte) error {
	if len(data) < 18 {
		return fmt.Errorf("file of %d bytes is too short for an Arrow IPC file", len(data))
	}
	footLen := int(int32(binary.LittleEndian.Uint32(data[len(data)-10:])))
	if footLen <= 0 || footLen > len(data)-18 {
		return fmt.Errorf("footer length %d does not fit the file", footLen)
	}
	footer := data[len(data)-10-footLen : len(data)-10]
	if err := verifyFooter(footer); err != nil {
		return fmt.Errorf("footer: %w", err)
	}
	// Walk the Block structs of the footer: dictionaries (slot 2) and record batches (slot 3).
	v := &fbVerifier{buf: footer}
	r, _ := v.root()
	f, _ := v.table(r)
	for _, slot := range []int{2, 3} {
		first, n, _ := v.vector(f(slot), 24)
		for i := 0; i < n; i++ {
			b := footer[first+24*i:]
			off := int64(binary.LittleEndian.Uint64(b))
			metaLen := int64(int32(binary.LittleEndian.Uint32(b[8:])))
			if off < 0 || metaLen <= 0 || off+metaLen > int64(len(data)) {
				return fmt.Errorf("block %d (offset %d, metadata %d bytes) outside the file", i, off, metaLen)
			}
			msg, _, err := messageAt(data[:off+metaLen], int(off))
			if err != nil {
				return fmt.Errorf("block %d: %w", i, err)
			}
			if err := verifyMessage(msg); err != nil {
				return fmt.Errorf("block %d: %w", i, err)
			}
		}
	}
	return nil
}

// verifyIPCStream checks every message of an IPC stream and that bodies lie inside the data.
func verifyIPCStream(data []byte) error {
	pos := 0
	for pos < len(data) {
		if pos+8 <= len(data) && binary.LittleEndian.Uint32(data[pos:]) == 0xFFFFFFFF && binary.LittleEndian.Uint32(data[pos+4:]) == 0 {
			return nil // end-of-stream marker
		}
		msg, next, err := messageAt(data, pos)
		if err != nil {
			return err
		}
		if len(msg) == 0 {
			return nil
		}
		if err := verifyMessage(msg); err != nil {
			return fmt.Errorf("message at %d: %w", pos, err)
		}
		// bodyLength is Message slot 3 (int64).
		v := &fbVerifier{buf: msg}
		r, _ := v.root()
		f, _ := v.table(r)
		var body int64
		if p := f(3); p >= 0 && p+8 <= len(msg) {
			body = int64(binary.LittleEndian.Uint64(msg[p:]))
		}
		if body < 0 || body > int64(len(data)-next) {
			return fmt.Errorf("message at %d: body of %d bytes exceeds the data", pos, body)
		}
		pos = next + int(body)
	}
	return nil
}
