package datasets

import (
	"errors"
	"fmt"
	"strings"
)

// ValidationError locates a problem in a dataset file. Row is the row within the file (-1 when
// the problem is not about one row), Element the flat index within the row's tensor (-1 when
// not about one element).
type ValidationError struct {
	File    string
	Column  string
	Row     int64
	Element int
	Msg     string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %q", e.Column)
	}
	if e.Row >= 0 {
		fmt.Fprintf(&b, ", row %d", e.Row)
	}
	if e.Element >= 0 {
		fmt.Fprintf(&b, ", element %d", e.Element)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

func fileErr(file, format string, args ...any) *ValidationError {
	return &ValidationError{File: file, Row: -1, Element: -1, Msg: fmt.Sprintf(format, args...)}
}

func colErr(file, col string, row int64, format string, args ...any) *ValidationError {
	return &ValidationError{File: file, Column: col, Row: row, Element: -1, Msg: fmt.Sprintf(format, args...)}
}

// ErrCorrupt is wrapped by errors from files whose bytes are damaged (truncated, not Arrow,
// inconsistent buffers), as opposed to well-formed files with the wrong contents.
var ErrCorrupt = errors.New("corrupt or truncated file")

// safely runs f and turns a panic inside it (the Arrow and Parquet decoders index into file
// bytes they do not fully check) into an error that wraps ErrCorrupt.
func safely(file string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %w: %v", file, ErrCorrupt, r)
		}
	}()
	return f()
}
