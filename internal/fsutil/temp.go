package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// CreateTemp is os.CreateTemp with the permissions of os.Create: the file is created with mode 0666 less
// the process's umask, not 0600. Temporary files here become datasets, checkpoints and plots by a rename,
// so they must come out readable by whoever the umask lets read an ordinary file (a collaborator, or a job
// running as another user on a shared cluster). The name is dir/prefix followed by the writer's owner tag
// (host and process id, so RemoveStale can tell a dead writer's leftovers from a live one's) and random
// digits. Temporaries with the same prefix left by dead writers are removed first.
func CreateTemp(dir, prefix string) (*os.File, error) {
	var f *os.File
	err := tryNames(dir, prefix, func(name string) (err error) {
		f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		return err
	})
	return f, err
}

// MkdirTemp is os.MkdirTemp with the permissions of os.Mkdir: mode 0777 less the umask, not 0700. It
// returns the new directory's path. Like CreateTemp it first removes dead writers' temporaries with prefix.
func MkdirTemp(dir, prefix string) (string, error) {
	var path string
	err := tryNames(dir, prefix, func(name string) error {
		path = name
		return os.Mkdir(name, 0o777)
	})
	return path, err
}

// tryNames first removes the temporaries with prefix that dead writers left under dir (RemoveStale: the
// partial output of a run killed with SIGKILL), then calls create with fresh names until one does not exist
// yet.
func tryNames(dir, prefix string, create func(name string) error) error {
	if dir == "" {
		dir = "."
	}
	if _, err := RemoveStale(dir, prefix); err != nil {
		return err
	}
	owner := ownerTag()
	const attempts = 10000
	for range attempts {
		name := filepath.Join(dir, prefix+owner+"-"+strconv.FormatUint(rand.Uint64()%1e12, 10))
		err := create(name)
		if err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create temporary %s: %w", name, err)
		}
	}
	return fmt.Errorf("create temporary %s*: no free name after %d attempts", filepath.Join(dir, prefix), attempts)
}
