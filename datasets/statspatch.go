package datasets

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// The statistics of a column are known only after its last row, but an Arrow IPC file carries its
// schema (and so its metadata) in the first message and again in the footer. The IPC writer
// therefore stores a fixed-length placeholder as the value of KeyStats, and on close overwrites
// both copies in place with the JSON statistics padded with spaces to the same length (JSON
// allows trailing white space). Flatbuffer strings are length-prefixed byte runs, so replacing
// the bytes of equal length keeps both copies valid.

// statsPlaceholder returns a unique placeholder long enough for the statistics of cols.
func statsPlaceholder(cols []column) string {
	n := 64
	for _, c := range cols {
		if c.isFloat() {
			// name, count and punctuation, then 4 vectors of up to 25 characters per number.
			n += len(c.name) + 96 + 4*26*c.featureDim()
		}
	}
	p := `{"pending":"` + randomHex(16) + `"}`
	return p + strings.Repeat(" ", n-len(p))
}

// encodeStats returns the compact JSON of stats.
func encodeStats(stats map[string]ColumnStats) (string, error) {
	b, err := json.Marshal(stats)
	if err != nil {
		return "", fmt.Errorf("encoding statistics: %w", err)
	}
	return string(b), nil
}

// patchIPCStats replaces the placeholder in the schema message and in the footer of the IPC file f.
func patchIPCStats(f *os.File, marker, stats string) error {
	if len(stats) > len(marker) {
		return fmt.Errorf("statistics (%d bytes) exceed the reserved %d bytes", len(stats), len(marker))
	}
	value := []byte(stats + strings.Repeat(" ", len(marker)-len(stats)))
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	// Schema message: magic "ARROW1" + 2 padding bytes, continuation marker, int32 length.
	var head [16]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return fmt.Errorf("reading schema message: %w", err)
	}
	metaLen := int64(binary.LittleEndian.Uint32(head[12:16]))
	if metaLen <= 0 || 16+metaLen > size {
		return fmt.Errorf("unexpected schema message length %d", metaLen)
	}
	// Footer: ... footer flatbuffer, int32 footer length, "ARROW1".
	var tail [10]byte
	if _, err := f.ReadAt(tail[:], size-10); err != nil {
		return fmt.Errorf("reading footer: %w", err)
	}
	footLen := int64(binary.LittleEndian.Uint32(tail[:4]))
	if footLen <= 0 || footLen > size-10 {
		return fmt.Errorf("unexpected footer length %d", footLen)
	}
	for _, region := range [][2]int64{{16, metaLen}, {size - 10 - footLen, footLen}} {
		buf := make([]byte, region[1])
		if _, err := f.ReadAt(buf, region[0]); err != nil {
			return err
		}
		i := bytes.Index(buf, []byte(marker))
		if i < 0 || bytes.Contains(buf[i+1:], []byte(marker)) {
			return fmt.Errorf("statistics placeholder not found exactly once at offset %d", region[0])
		}
		if _, err := f.WriteAt(value, region[0]+int64(i)); err != nil {
			return err
		}
	}
	return nil
}
