package main

import (
	"encoding/json"
	"fmt"

	"github.com/trajdiff/trajdiff/internal/fsutil"
)

// saveReport writes rep as indented JSON to path, atomically (a killed run leaves the previous report or
// none, never half of one), and says where; an empty path writes nothing.
func saveReport(env *cliEnv, path string, rep any) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(rep, "", " ")
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(path, append(b, '\n')); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "report -> %s\n", path)
	return nil
}
