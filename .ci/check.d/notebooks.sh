#!/usr/bin/env bash
# notebooks: every notebook in notebooks/ runs top to bottom on the GoNB kernel, headless. Installs Jupyter
# (Debian packages) and GoNB with its Go tools (scripts/notebooks/install.sh, idempotent), then executes each
# notebook with nbconvert into a temporary directory (the committed, executed copies are left alone; the
# kernel still starts in notebooks/, which is how the notebooks find the repository at ..). TMPDIR points
# into that directory too, so GoNB's scratch modules and the notebooks' data and runs go with it.
# The five notebooks took 15.4 min in all on 2 cores at a load average of about 9 from other jobs (2026-12-04:
# geometry 237 s, pde 250 s, planning 202 s, quickstart 181 s, samplers 55 s), about half of it GoNB compiling
# every cell as a program (15-25 s a cell under that load); their small budgets compute for 1-2.5 min each.
# The install adds about 5 min on a fresh machine, and the first run compiles GoNB's and the pinned genproto's
# dependencies.
# nbconvert fails on a cell whose code does not build, but GoNB reports a program that panics or exits
# non-zero only as stderr text ending in "exit status N", not as a cell error: the executed copies are
# scanned for that (and for error outputs) afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/notebooks/install.sh
export PATH="$PATH:$(go env GOPATH)/bin"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/out" "$tmp/work"
# Two notebooks at a time (one per core): most of a notebook's time is GoNB compiling cells and small
# single-core training loops, so the pair takes about the time of one; a failure of either fails the check.
run_notebook() {
	local nb=$1
	start=$(date +%s)
	TMPDIR="$tmp/work" jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
		--output-dir "$tmp/out" --log-level=WARN "$nb"
	/usr/bin/python3 - "$tmp/out/$(basename "$nb")" <<'PY'
import json, re, sys
path = sys.argv[1]
bad = []
for i, cell in enumerate(json.load(open(path))["cells"]):
    for out in cell.get("outputs", []):
        text = "".join(out.get("text", []))
        if out.get("output_type") == "error":
            bad.append((i, out.get("ename", "") + ": " + out.get("evalue", "")))
        elif out.get("name") == "stderr" and (re.search(r"^exit status [1-9]", text, re.M) or text.startswith("panic:")):
            bad.append((i, text.strip()[-600:]))
for i, msg in bad:
    print(f"notebooks: {path}: cell {i} failed:\n{msg}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
	echo "notebooks: $nb ran clean in $(($(date +%s) - start))s"
}
pids=()
for nb in notebooks/*.ipynb; do
	if [ "${#pids[@]}" -ge 2 ]; then
		wait "${pids[0]}" || fail=1
		pids=("${pids[@]:1}")
	fi
	run_notebook "$nb" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit "${fail:-0}"
