#!/usr/bin/env bash
# slurm: --shard auto on a real cluster engine (docs/cluster.md). Starts a one-node Slurm as root (munge,
# slurmctld and slurmd without systemd or cgroups), submits a 3-task job array whose tasks write
# `trajdiff simulate burgers --shard auto` shards with --cpus-per-task=1, merges them with `trajdiff data
# merge` and checks the merge equals a single-process run value for value; then submits a task with bad
# parameters and checks Slurm records it as failed with the CLI's message in its output file, and checks
# that --shard auto refuses a resubmission of some indices (--array=3,7) in every task. Every daemon it
# starts is stopped on exit; munged is reused (and left running) when one already answers.
#
# The cluster's configuration, state and logs live in a temporary directory (SLURM_CONF points there, on
# ports 6917/6918), so an existing /etc/slurm or Slurm on the machine is neither read nor touched.
# Without root or the packages (.ci/install.d/slurm.sh installs them on CI) it skips with a message, or
# fails when TRAJDIFF_REQUIRE_SLURM=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
t0=$(date +%s)
log() { printf 'slurm check (%ds): %s\n' "$(($(date +%s) - t0))" "$*"; }
skip() {
	if [ "${TRAJDIFF_REQUIRE_SLURM:-}" = 1 ]; then
		echo "slurm check: FAIL: $* (TRAJDIFF_REQUIRE_SLURM=1)" >&2
		exit 1
	fi
	echo "slurm check: SKIPPED: $*"
	exit 0
}

[ "$(id -u)" = 0 ] || skip "not root (slurmd must run as root)"
. .ci/lib/apt.sh
missing=()
for p in slurmctld slurmd slurm-client munge; do apt_installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	apt_install "${missing[@]}" || skip "cannot install ${missing[*]} (see .ci/install.d/slurm.sh)"
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
started_munged=
cleanup() {
	local rc=$? f pids=()
	set +e
	for f in "$tmp/run/slurmd.pid" "$tmp/run/slurmctld.pid"; do
		[ -s "$f" ] && pids+=("$(cat "$f")")
	done
	[ -n "$started_munged" ] && [ -s /run/munge/munged.pid ] && pids+=("$(cat /run/munge/munged.pid)")
	if [ ${#pids[@]} -gt 0 ]; then
		kill "${pids[@]}" 2>/dev/null
		for _ in $(seq 50); do kill -0 "${pids[@]}" 2>/dev/null || break; sleep 0.1; done
		kill -9 "${pids[@]}" 2>/dev/null
	fi
	if [ $rc -ne 0 ]; then
		for f in "$tmp"/log/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 30 "$f"; }; done
	fi
	rm -rf "$tmp"
	exit $rc
}
trap cleanup EXIT

# munge: the package creates the key; reuse a running munged.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
	if [ ! -s /etc/munge/munge.key ]; then
		dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
		chown munge:munge /etc/munge/munge.key
		chmod 0400 /etc/munge/munge.key
	fi
	mkdir -p /run/munge /var/log/munge /var/lib/munge
	chown munge:munge /run/munge /var/log/munge /var/lib/munge
	runuser -u munge -- /usr/sbin/munged
	started_munged=1
	for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
	munge -n | unmunge >/dev/null
fi

host=$(hostname -s)
mkdir -p "$tmp/run" "$tmp/log" "$tmp/ctld" "$tmp/spool" "$tmp/work/shards"
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=trajdiffci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=6917
SlurmdPort=6918
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
StateSaveLocation=$tmp/ctld
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld
/usr/sbin/slurmd
for _ in $(seq 100); do
	sinfo -h -o %t 2>/dev/null | grep -qx idle && break
	sleep 0.2
done
sinfo -h -o %t | grep -qx idle || { echo "slurm check: the node did not become idle: $(sinfo 2>&1)" >&2; exit 1; }
log "cluster up ($(sinfo -h -o '%P %D %t %c'))"

go build -o "$tmp/trajdiff" ./cmd/trajdiff
work=$tmp/work
sim=(simulate burgers --n 12 --seed 3 --quiet)
env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX -u TRAJDIFF_SHARDS "$tmp/trajdiff" "${sim[@]}" --shard 0/1 --out "$work/whole.arrow" >/dev/null

# The array: each task takes its shard from Slurm's variables and sizes its workers from --cpus-per-task.
cat >"$work/generate.sh" <<JOB
#!/bin/bash
exec "$tmp/trajdiff" ${sim[*]} --shard auto --out "$work/shards/part-\${SLURM_ARRAY_TASK_ID}.arrow"
JOB
sbatch --parsable --wait --array=0-2 --cpus-per-task=1 --chdir="$work" --output="$work/generate-%a.out" "$work/generate.sh" >"$work/array.id"
log "job array $(cat "$work/array.id") done"
for i in 0 1 2; do
	grep -q "trajdiff: shard $i/3 from the Slurm job array (SLURM_ARRAY_TASK_ID=$i," "$work/generate-$i.out" ||
		{ echo "task $i did not report its shard:"; cat "$work/generate-$i.out"; exit 1; } >&2
	grep -q "1 workers)" "$work/generate-$i.out" ||
		{ echo "task $i did not run 1 worker with --cpus-per-task=1:"; cat "$work/generate-$i.out"; exit 1; } >&2
done
"$tmp/trajdiff" data merge "$work/merged.arrow" "$work/shards" 2>/dev/null # a directory: merged in shard order, checked complete
TRAJDIFF_SAME_VALUES="$work/whole.arrow $work/merged.arrow" \
	go test -count=1 -v -run '^TestSlurmMergedDatasetEqualsTheSingleProcessRun$' ./cmd/trajdiff >"$work/compare.log" 2>&1 ||
	{ cat "$work/compare.log"; exit 1; } >&2
grep -q -- '--- PASS: TestSlurmMergedDatasetEqualsTheSingleProcessRun' "$work/compare.log" ||
	{ echo "the comparison did not run:"; cat "$work/compare.log"; exit 1; } >&2
log "the merged shards equal the single-process dataset value for value"

# A task that fails: parameters beyond the solver's stability bound.
set +e
sbatch --parsable --wait --chdir="$work" --output="$work/bad.out" \
	--wrap="exec '$tmp/trajdiff' simulate burgers --n 4 --cells 16 --frames 2 --quiet --out '$work/bad.arrow'" >"$work/bad.id"
bad_rc=$?
set -e
bad=$(cut -d';' -f1 "$work/bad.id")
state=$(scontrol show job "$bad" | grep -o 'JobState=[A-Z_]*')
exitcode=$(scontrol show job "$bad" | grep -o ' ExitCode=[0-9:]*' | tr -d ' ')
if [ "$bad_rc" = 0 ] || [ "$state" != JobState=FAILED ] || [ "$exitcode" != ExitCode=1:0 ] ||
	! grep -q "invalid parameters" "$work/bad.out" || [ -e "$work/bad.arrow" ]; then
	echo "the bad task: sbatch exit $bad_rc, $state $exitcode, output:" >&2
	cat "$work/bad.out" >&2
	exit 1
fi
log "the bad task: $state $exitcode, $(grep -o 'invalid parameters.*' "$work/bad.out" | cut -c1-80)"

# A resubmission of some indices only (--array=3,7: Slurm 22.05 sets COUNT=2, MIN=3, MAX=7, STEP=1) cannot
# name the shards: --shard auto must refuse it in every task rather than write shards 0/2 and 1/2.
set +e
sbatch --parsable --wait --array=3,7 --chdir="$work" --output="$work/subset-%a.out" \
	--wrap="exec '$tmp/trajdiff' ${sim[*]} --shard auto --out '$work/subset-\${SLURM_ARRAY_TASK_ID}.arrow'" >/dev/null
subset_rc=$?
set -e
for i in 3 7; do
	if [ "$subset_rc" = 0 ] || ! grep -q "inconsistent job-array environment" "$work/subset-$i.out" || [ -e "$work/subset-$i.arrow" ]; then
		echo "the subset array's task $i: sbatch exit $subset_rc, output:" >&2
		cat "$work/subset-$i.out" >&2
		exit 1
	fi
done
log "--array=3,7 refused: $(head -c 160 "$work/subset-3.out")"
log "done"
