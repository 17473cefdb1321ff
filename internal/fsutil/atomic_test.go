package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.json")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := CreateAtomic(p)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	// Before Commit the destination still holds the old content.
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("destination changed before commit: %q", b)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Fatalf("after commit: %q", b)
	}
	g, _ := CreateAtomic(p)
	g.WriteString("partial")
	g.Abort()
	entries, _ := os.ReadDir(dir)
	if b, _ := os.ReadFile(p); string(b) != "new" || len(entries) != 1 {
		t.Fatalf("abort left %q and %d entries", b, len(entries))
	}
}
