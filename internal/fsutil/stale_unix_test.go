//go:build unix

package fsutil_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/trajdiff/trajdiff/internal/fsutil"
)

// TestHelperWriter is not a test: TestKilledWritersTemporaryIsRemovedByTheNextWrite runs the test binary
// as a writer that opens an atomic file and waits to be killed.
func TestHelperWriter(t *testing.T) {
	path := os.Getenv("TRAJDIFF_FSUTIL_HELPER_PATH")
	if path == "" {
		t.Skip("helper process only")
	}
	f, err := fsutil.CreateAtomic(path)
	if err != nil {
		os.Exit(3)
	}
	f.WriteString("partial")
	os.Stdout.WriteString("ready\n")
	time.Sleep(time.Minute)
	os.Exit(4)
}

// A writer killed with SIGKILL leaves its temporary; while it lives, a second writer keeps it; once it is
// dead, the next write of the same destination removes it and leaves only the destination.
func TestKilledWritersTemporaryIsRemovedByTheNextWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.arrow")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
	cmd.Env = append(os.Environ(), "TRAJDIFF_FSUTIL_HELPER_PATH="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := out.Read(buf); err != nil || string(buf) != "ready\n" {
		cmd.Process.Kill()
		t.Fatalf("helper did not start: %q %v", buf, err)
	}
	temps := func() []fsutil.Temporary {
		ts, err := fsutil.Temporaries(dir, fsutil.TempPrefix("data.arrow"))
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	if ts := temps(); len(ts) != 1 || ts[0].PID != cmd.Process.Pid || ts[0].Dead {
		t.Fatalf("while the writer lives: %+v", ts)
	}
	// A concurrent writer of the same destination must not remove a live writer's file.
	if err := fsutil.WriteFileAtomic(path, []byte("a")); err != nil {
		t.Fatal(err)
	}
	if ts := temps(); len(ts) != 1 {
		t.Fatalf("a live writer's temporary was removed: %+v", ts)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if ts := temps(); len(ts) != 1 || !ts[0].Dead {
		t.Fatalf("after SIGKILL: %+v, want one dead writer's temporary", ts)
	}
	if err := fsutil.WriteFileAtomic(path, []byte("b")); err != nil {
		t.Fatal(err)
	}
	if ts := temps(); len(ts) != 0 {
		t.Fatalf("the next write left %+v", ts)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "data.arrow" {
		t.Errorf("directory holds %v", entries)
	}
}

// Temporaries of other hosts, of names without an owner and of live processes are never removed.
func TestOnlyDeadLocalWritersAreStale(t *testing.T) {
	dir := t.TempDir()
	host, _ := os.Hostname()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no `true` to obtain a dead pid")
	}
	p := fsutil.TempPrefix("x")
	names := map[string]bool{ // name -> removed
		p + host + "-" + strconv.Itoa(dead.Process.Pid) + "-123":            true,
		p + host + "-" + strconv.Itoa(os.Getpid()) + "-124":                 false,
		p + "other-host.example-" + strconv.Itoa(dead.Process.Pid) + "-125": false,
		p + "987654321": false, // an older writer's name: owner unknown
		".y.tmp-" + host + "-" + strconv.Itoa(dead.Process.Pid) + "-126": false, // another destination
	}
	for n := range names {
		if err := os.Mkdir(filepath.Join(dir, n), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := fsutil.RemoveStale(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range names {
		if got := slices.Contains(removed, filepath.Join(dir, n)); got != want {
			t.Errorf("%s: removed %v, want %v", n, got, want)
		}
	}
}
