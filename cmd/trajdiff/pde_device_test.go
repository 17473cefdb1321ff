package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// `pde evaluate`, `pde estimate` and `pde generate --device` are refused, before any checkpoint or dataset
// is read, where the device cannot sample: an unknown device, the search by control cost, and the estimation
// methods other than the prior draw (named in the error).
func TestPDEEvaluateDeviceRefusesWhatItCannotRun(t *testing.T) {
	absent := filepath.Join(t.TempDir(), "absent")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--device", "tpu"}, "--device"},
		{[]string{"--device", "gpu:x"}, "--device"},
		{[]string{"--device", "gpu", "--particle-method", "bon"}, "particle"},
	} {
		args := append([]string{"pde", "evaluate", "--checkpoint", absent, "--data", absent}, c.args...)
		if code, _, errs := runCLI(args...); code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want a usage error mentioning %q", c.args, code, errs, c.want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--device", "tpu"}, "--device"},
		{[]string{"--device", "gpu"}, "reddiff, clamp, guided"}, // --methods all
		{[]string{"--device", "gpu", "--methods", "prior,guided"}, "method guided has no device path"},
	} {
		args := append([]string{"pde", "estimate", "--checkpoint", absent, "--data", absent}, c.args...)
		if code, _, errs := runCLI(args...); code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("pde estimate %v: exit %d, stderr %q; want a usage error mentioning %q", c.args, code, errs, c.want)
		}
	}
	for _, device := range []string{"tpu", "gpu:-1"} {
		args := []string{"pde", "generate", "--checkpoint", absent, "--data", absent, "--out", absent, "--device", device}
		if code, _, errs := runCLI(args...); code != 2 || !strings.Contains(errs, "--device") {
			t.Errorf("pde generate --device %s: exit %d, stderr %q; want a usage error about --device", device, code, errs)
		}
	}
}
