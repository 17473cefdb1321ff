package shard

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// fakeEnv is an environment for FromEnv and Resolve: an unset name reads as "".
func fakeEnv(kv map[string]string) func(string) string {
	return func(name string) string { return kv[name] }
}

func TestShardAutoReadsSlurmArray(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		i, n int
	}{
		// sbatch --array=0-2, task 1: Slurm 22.05 sets all five.
		{map[string]string{SlurmTaskID: "1", SlurmTaskCount: "3", SlurmTaskMin: "0", SlurmTaskMax: "2", SlurmTaskStep: "1"}, 1, 3},
		// ID and COUNT only: an array starting at 0.
		{map[string]string{SlurmTaskID: "2", SlurmTaskCount: "3"}, 2, 3},
		// --array=4-7: index ID-MIN, count MAX-MIN+1.
		{map[string]string{SlurmTaskID: "7", SlurmTaskMin: "4", SlurmTaskMax: "7"}, 3, 4},
		{map[string]string{SlurmTaskID: "4", SlurmTaskMin: "4", SlurmTaskMax: "7", SlurmTaskCount: "4"}, 0, 4},
		// --array=1-9:2 (1, 3, 5, 7, 9), task 5.
		{map[string]string{SlurmTaskID: "5", SlurmTaskMin: "1", SlurmTaskMax: "9", SlurmTaskStep: "2", SlurmTaskCount: "5"}, 2, 5},
	} {
		for _, flagValue := range []string{"auto", ""} {
			i, n, src, err := Resolve(flagValue, fakeEnv(c.env))
			if err != nil || i != c.i || n != c.n || !strings.HasPrefix(src, "Slurm job array (") || !strings.Contains(src, SlurmTaskID+"=") {
				t.Errorf("Resolve(%q, %v) = %d/%d, %q, %v; want %d/%d from Slurm", flagValue, c.env, i, n, src, err, c.i, c.n)
			}
		}
	}
}

func TestShardAutoReadsKubernetesIndexedJob(t *testing.T) {
	env := fakeEnv(map[string]string{K8sIndex: "3", K8sCount: "8"})
	for _, flagValue := range []string{"auto", ""} {
		i, n, src, err := Resolve(flagValue, env)
		if err != nil || i != 3 || n != 8 || src != "Kubernetes Indexed Job (JOB_COMPLETION_INDEX=3, TRAJDIFF_SHARDS=8)" {
			t.Errorf("Resolve(%q) = %d/%d, %q, %v", flagValue, i, n, src, err)
		}
	}
}

func TestSlurmAndKubernetesVariablesThatAgreeAreAccepted(t *testing.T) {
	i, n, src, err := FromEnv(fakeEnv(map[string]string{SlurmTaskID: "1", SlurmTaskCount: "2", K8sIndex: "1", K8sCount: "2"}))
	if err != nil || i != 1 || n != 2 || !strings.Contains(src, "Slurm") || !strings.Contains(src, "Kubernetes") {
		t.Errorf("FromEnv = %d/%d, %q, %v", i, n, src, err)
	}
}

func TestInconsistentArrayVariablesAreRefused(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"index not below count":        {SlurmTaskID: "3", SlurmTaskCount: "3"},
		"array not from 0 without min": {SlurmTaskID: "5", SlurmTaskCount: "2"},
		"non-numeric id":               {SlurmTaskID: "x", SlurmTaskCount: "3"},
		"non-numeric count":            {SlurmTaskID: "0", SlurmTaskCount: "3 "},
		"negative id":                  {SlurmTaskID: "-1", SlurmTaskCount: "3"},
		"zero count":                   {SlurmTaskID: "0", SlurmTaskCount: "0"},
		"count without id":             {SlurmTaskCount: "3"},
		"id without size":              {SlurmTaskID: "0"},
		"min without max":              {SlurmTaskID: "1", SlurmTaskMin: "0", SlurmTaskCount: "3"},
		"max below min":                {SlurmTaskID: "1", SlurmTaskMin: "2", SlurmTaskMax: "1"},
		"id outside min..max":          {SlurmTaskID: "9", SlurmTaskMin: "4", SlurmTaskMax: "7"},
		"count disagrees with min/max": {SlurmTaskID: "2", SlurmTaskMin: "1", SlurmTaskMax: "7", SlurmTaskCount: "3"},
		"step does not reach max":      {SlurmTaskID: "1", SlurmTaskMin: "1", SlurmTaskMax: "8", SlurmTaskStep: "2"},
		"id off the step":              {SlurmTaskID: "2", SlurmTaskMin: "1", SlurmTaskMax: "9", SlurmTaskStep: "2"},
		"zero step":                    {SlurmTaskID: "1", SlurmTaskMin: "1", SlurmTaskMax: "9", SlurmTaskStep: "0"},
		"step without min/max":         {SlurmTaskID: "1", SlurmTaskCount: "3", SlurmTaskStep: "2"},
		"k8s index without count":      {K8sIndex: "0"},
		"k8s count without index":      {K8sCount: "4"},
		"k8s index not below count":    {K8sIndex: "4", K8sCount: "4"},
		"k8s zero count":               {K8sIndex: "0", K8sCount: "0"},
		"k8s non-numeric":              {K8sIndex: "one", K8sCount: "4"},
		"slurm and k8s disagree":       {SlurmTaskID: "1", SlurmTaskCount: "3", K8sIndex: "2", K8sCount: "3"},
		"slurm and k8s counts differ":  {SlurmTaskID: "1", SlurmTaskCount: "3", K8sIndex: "1", K8sCount: "4"},
	} {
		for _, flagValue := range []string{"auto", ""} {
			i, n, src, err := Resolve(flagValue, fakeEnv(env))
			if !errors.Is(err, ErrEnvironment) {
				t.Errorf("%s: Resolve(%q, %v) = %d/%d, %q, %v; want an error wrapping ErrEnvironment", name, flagValue, env, i, n, src, err)
			}
		}
	}
}

func TestNonNumericArrayVariableErrorWrapsTheParseError(t *testing.T) {
	_, _, _, err := FromEnv(fakeEnv(map[string]string{SlurmTaskID: "x", SlurmTaskCount: "3"}))
	var numErr *strconv.NumError
	if !errors.Is(err, ErrEnvironment) || !errors.As(err, &numErr) || !strings.Contains(err.Error(), `SLURM_ARRAY_TASK_ID="x"`) {
		t.Fatalf("error %v: want it to name the variable and wrap strconv's error", err)
	}
}

func TestShardAutoOutsideAnArrayIsAnError(t *testing.T) {
	_, _, _, err := Resolve("auto", fakeEnv(nil))
	if err == nil || errors.Is(err, ErrEnvironment) || !strings.Contains(err.Error(), "not a job-array task") {
		t.Fatalf("Resolve(auto) without variables: %v", err)
	}
}

func TestAbsentShardFlagWithoutVariablesMeansEverything(t *testing.T) {
	i, n, src, err := Resolve("", fakeEnv(nil))
	if err != nil || i != 0 || n != 1 || src != "" {
		t.Fatalf("Resolve(\"\") = %d/%d, %q, %v; want 0/1 from no source", i, n, src, err)
	}
}

func TestExplicitShardFlagIgnoresTheEnvironment(t *testing.T) {
	// Even an inconsistent environment: the flag's value is the user's decision.
	i, n, src, err := Resolve("1/4", fakeEnv(map[string]string{SlurmTaskID: "x", K8sIndex: "2", K8sCount: "3"}))
	if err != nil || i != 1 || n != 4 || src != "" {
		t.Fatalf("Resolve(1/4) = %d/%d, %q, %v", i, n, src, err)
	}
	if _, _, _, err := Resolve("4/4", fakeEnv(nil)); err == nil {
		t.Fatal("Resolve(4/4): no error")
	}
}
