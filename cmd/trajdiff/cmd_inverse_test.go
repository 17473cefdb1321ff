package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestInverseNeedsCheckpointAndHeldOut: the command refuses to run without its inputs (usage error, exit 2).
func TestInverseNeedsCheckpointAndHeldOut(t *testing.T) {
	var out, errb bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: &errb}
	if code := run(context.Background(), env, []string{"inverse", "--heldout", "x.arrow"}); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	if !strings.Contains(errb.String(), "--checkpoint and --heldout are required") {
		t.Errorf("stderr %q", errb.String())
	}
}
