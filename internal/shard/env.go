package shard

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The environment variables FromEnv reads. Slurm sets the SLURM_ARRAY_TASK_* variables in every task of a
// job array (sbatch --array); Kubernetes sets JOB_COMPLETION_INDEX in every pod of an Indexed Job, whose
// completion count the manifest passes as TRAJDIFF_SHARDS (equal to spec.completions; Kubernetes does not
// export it by itself).
const (
	SlurmTaskID    = "SLURM_ARRAY_TASK_ID"
	SlurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
	SlurmTaskMin   = "SLURM_ARRAY_TASK_MIN"
	SlurmTaskMax   = "SLURM_ARRAY_TASK_MAX"
	SlurmTaskStep  = "SLURM_ARRAY_TASK_STEP"
	K8sIndex       = "JOB_COMPLETION_INDEX"
	K8sCount       = "TRAJDIFF_SHARDS"
)

// Auto is the --shard value that requires the shard to come from the environment.
const Auto = "auto"

// ErrEnvironment marks a job-array environment FromEnv cannot turn into one shard: a non-numeric value,
// an index outside its count, a Slurm array that is not a regular range, half of a variable pair, or
// Slurm and Kubernetes variables naming different shards. Test with errors.Is.
var ErrEnvironment = errors.New("inconsistent job-array environment")

func envErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrEnvironment, fmt.Sprintf(format, args...))
}

// FromEnv reads the shard of a Slurm job-array task or of a Kubernetes Indexed Job pod from getenv (an
// unset variable reads as ""; pass os.Getenv in a program, a map's lookup in a test). source describes
// the variables used, e.g. "Slurm job array (SLURM_ARRAY_TASK_ID=7, SLURM_ARRAY_TASK_MIN=4, ...)"; it is
// "" (with i, n = 0, 1 and no error) when none of the variables is set.
//
// Slurm: with SLURM_ARRAY_TASK_MIN and _MAX (and _STEP, default 1) the array is MIN, MIN+STEP, ..., MAX:
// i = (ID-MIN)/STEP and n = (MAX-MIN)/STEP+1; SLURM_ARRAY_TASK_COUNT, when also set, must equal n (it does
// not for an irregular list such as --array=1,2,7: use --shard i/n there). Without MIN and MAX the array
// must start at 0 with step 1: i = ID and n = SLURM_ARRAY_TASK_COUNT. Kubernetes: i = JOB_COMPLETION_INDEX
// and n = TRAJDIFF_SHARDS, both required once either is set. When both kinds are set they must agree.
// Every inconsistency is an error wrapping ErrEnvironment.
func FromEnv(getenv func(string) string) (i, n int, source string, err error) {
	si, sn, ssrc, serr := fromSlurm(getenv)
	ki, kn, ksrc, kerr := fromK8s(getenv)
	switch {
	case serr != nil:
		return 0, 1, "", serr
	case kerr != nil:
		return 0, 1, "", kerr
	case ssrc != "" && ksrc != "":
		if si != ki || sn != kn {
			return 0, 1, "", envErrorf("the %s names shard %d/%d but the %s names shard %d/%d", ssrc, si, sn, ksrc, ki, kn)
		}
		return si, sn, ssrc + " and " + ksrc, nil
	case ssrc != "":
		return si, sn, ssrc, nil
	case ksrc != "":
		return ki, kn, ksrc, nil
	}
	return 0, 1, "", nil
}

// Resolve decides the shard from a --shard flag's value and the environment:
//   - "i/n": that shard (Parse); the environment is not read;
//   - "auto": the environment's shard (FromEnv); an error when none of its variables is set;
//   - "" (the flag absent): the environment's shard when its variables are set, else 0/1 (everything).
//
// source is FromEnv's description when the shard came from the environment, "" when from the flag or
// the default. Errors of the environment wrap ErrEnvironment.
func Resolve(flagValue string, getenv func(string) string) (i, n int, source string, err error) {
	switch flagValue {
	case Auto, "":
		i, n, source, err = FromEnv(getenv)
		if err != nil {
			return 0, 1, "", fmt.Errorf("shard from the environment: %w", err)
		}
		if source == "" && flagValue == Auto {
			return 0, 1, "", fmt.Errorf("shard auto: not a job-array task (none of %s, %s or %s is set)", SlurmTaskID, K8sIndex, K8sCount)
		}
		return i, n, source, nil
	}
	i, n, err = Parse(flagValue)
	return i, n, "", err
}

// envVar is one variable's name and value.
type envVar struct{ name, value string }

// describe lists the set variables as "NAME=value, ...".
func describe(vars []envVar) string {
	var parts []string
	for _, v := range vars {
		if v.value != "" {
			parts = append(parts, v.name+"="+v.value)
		}
	}
	return strings.Join(parts, ", ")
}

// atoi parses a variable's non-negative integer value.
func atoi(v envVar) (int, error) {
	x, err := strconv.Atoi(v.value)
	if err != nil {
		return 0, fmt.Errorf("%w: %s=%q is not an integer: %w", ErrEnvironment, v.name, v.value, err)
	}
	if x < 0 {
		return 0, envErrorf("%s=%d is negative", v.name, x)
	}
	return x, nil
}

func fromSlurm(getenv func(string) string) (i, n int, source string, err error) {
	id, count := envVar{SlurmTaskID, getenv(SlurmTaskID)}, envVar{SlurmTaskCount, getenv(SlurmTaskCount)}
	lo, hi, step := envVar{SlurmTaskMin, getenv(SlurmTaskMin)}, envVar{SlurmTaskMax, getenv(SlurmTaskMax)}, envVar{SlurmTaskStep, getenv(SlurmTaskStep)}
	all := []envVar{id, count, lo, hi, step}
	desc := describe(all)
	if desc == "" {
		return 0, 1, "", nil
	}
	source = "Slurm job array (" + desc + ")"
	if id.value == "" {
		return 0, 1, "", envErrorf("%s without %s", desc, SlurmTaskID)
	}
	vals := make([]int, len(all)) // -1: unset
	for k, v := range all {
		vals[k] = -1
		if v.value != "" {
			if vals[k], err = atoi(v); err != nil {
				return 0, 1, "", err
			}
		}
	}
	idv, countv, minv, maxv, stepv := vals[0], vals[1], vals[2], vals[3], vals[4]
	if countv == 0 {
		return 0, 1, "", envErrorf("%s=0", SlurmTaskCount)
	}
	if stepv == 0 {
		return 0, 1, "", envErrorf("%s=0", SlurmTaskStep)
	}
	if stepv < 0 {
		stepv = 1
	}
	if (minv < 0) != (maxv < 0) {
		return 0, 1, "", envErrorf("%s and %s must be set together (%s)", SlurmTaskMin, SlurmTaskMax, desc)
	}
	if minv < 0 { // ID and COUNT only: an array 0..COUNT-1
		if countv < 0 {
			return 0, 1, "", envErrorf("%s: the array's size is unknown (want %s, or %s and %s)", desc, SlurmTaskCount, SlurmTaskMin, SlurmTaskMax)
		}
		if stepv != 1 {
			return 0, 1, "", envErrorf("%s: a step other than 1 needs %s and %s", desc, SlurmTaskMin, SlurmTaskMax)
		}
		if idv >= countv {
			return 0, 1, "", envErrorf("%s: task %d is not below the count %d (an array not starting at 0 needs %s and %s)",
				desc, idv, countv, SlurmTaskMin, SlurmTaskMax)
		}
		return idv, countv, source, nil
	}
	switch {
	case maxv < minv:
		return 0, 1, "", envErrorf("%s: %s < %s", desc, SlurmTaskMax, SlurmTaskMin)
	case (maxv-minv)%stepv != 0:
		return 0, 1, "", envErrorf("%s: the step does not lead from %s to %s", desc, SlurmTaskMin, SlurmTaskMax)
	case idv < minv || idv > maxv || (idv-minv)%stepv != 0:
		return 0, 1, "", envErrorf("%s: task %d is not in the array %d..%d step %d", desc, idv, minv, maxv, stepv)
	}
	i, n = (idv-minv)/stepv, (maxv-minv)/stepv+1
	if countv >= 0 && countv != n {
		return 0, 1, "", envErrorf("%s: %d tasks, but %d..%d step %d has %d (an irregular array such as --array=1,2,7: pass --shard i/n)",
			desc, countv, minv, maxv, stepv, n)
	}
	return i, n, source, nil
}

func fromK8s(getenv func(string) string) (i, n int, source string, err error) {
	idx, count := envVar{K8sIndex, getenv(K8sIndex)}, envVar{K8sCount, getenv(K8sCount)}
	desc := describe([]envVar{idx, count})
	switch {
	case desc == "":
		return 0, 1, "", nil
	case idx.value == "":
		return 0, 1, "", envErrorf("%s without %s (an Indexed Job's pod has both; see docs/cluster.md)", desc, K8sIndex)
	case count.value == "":
		return 0, 1, "", envErrorf("%s without %s (set it in the manifest to the Job's spec.completions; see docs/cluster.md)", desc, K8sCount)
	}
	if i, err = atoi(idx); err != nil {
		return 0, 1, "", err
	}
	if n, err = atoi(count); err != nil {
		return 0, 1, "", err
	}
	if n == 0 || i >= n {
		return 0, 1, "", envErrorf("%s: want 0 <= %s < %s", desc, K8sIndex, K8sCount)
	}
	return i, n, "Kubernetes Indexed Job (" + desc + ")", nil
}
