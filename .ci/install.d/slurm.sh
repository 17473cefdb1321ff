#!/usr/bin/env bash
# slurm: a one-node Slurm (Debian's slurmctld, slurmd, slurm-client and munge) for the job-array check in
# .ci/check.d/slurm.sh. Installing starts nothing (no systemd on CI); the check starts and stops the daemons.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib/apt.sh
apt_install slurmctld slurmd slurm-client munge
