package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Temporary describes a temporary file or directory left next to a destination by an atomic writer.
type Temporary struct {
	Path string
	Host string // the writer's host name
	PID  int    // the writer's process id
	// Dead reports that the writer is known to have exited: it ran on this host and no process with its
	// id exists. A writer on another host, or one whose state cannot be checked, is never called dead.
	Dead bool
}

// ownerTag names this process in temporary names: host name and process id, as "HOST-PID".
func ownerTag() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return strings.ReplaceAll(host, "/", "_") + "-" + strconv.Itoa(os.Getpid())
}

// Temporaries lists the temporaries named prefix+"HOST-PID-RANDOM" in dir, as CreateTemp and MkdirTemp
// make them, with whether their writers are dead. Names of another form (older writers) are listed with
// PID 0 and never called dead.
func Temporaries(dir, prefix string) ([]Temporary, error) {
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list temporaries in %s: %w", dir, err)
	}
	host, _ := os.Hostname()
	var out []Temporary
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		t := Temporary{Path: filepath.Join(dir, e.Name())}
		// HOST-PID-RANDOM, with a host name that may itself contain '-': parse from the right.
		if i := strings.LastIndexByte(rest, '-'); i > 0 {
			if j := strings.LastIndexByte(rest[:i], '-'); j > 0 {
				if pid, err := strconv.Atoi(rest[j+1 : i]); err == nil && pid > 0 {
					t.Host, t.PID = rest[:j], pid
				}
			}
		}
		t.Dead = t.PID > 0 && host != "" && t.Host == strings.ReplaceAll(host, "/", "_") && !processAlive(t.PID)
		out = append(out, t)
	}
	return out, nil
}

// RemoveStale removes the temporaries under dir with prefix whose writers are dead (Temporaries), e.g.
// the partial file of a generator killed with SIGKILL, and returns their paths. Temporaries of live
// writers, of other hosts and of unknown owners are kept.
func RemoveStale(dir, prefix string) ([]string, error) {
	ts, err := Temporaries(dir, prefix)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, t := range ts {
		if !t.Dead {
			continue
		}
		if err := os.RemoveAll(t.Path); err != nil {
			return removed, fmt.Errorf("remove stale temporary %s: %w", t.Path, err)
		}
		removed = append(removed, t.Path)
	}
	return removed, nil
}
