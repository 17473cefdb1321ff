#!/usr/bin/env bash
# Tests of .ci/lib/apt.sh and .ci/install.d/gpu.sh against fake apt-cache, apt-get, dpkg-query and dpkg-deb
# put first on PATH, so each kind of machine can be played here: sources with only `main` (where
# `apt-cache show nvidia-cuda-dev` succeeds but there is no candidate), contrib/non-free already present,
# and a release without the package at all. Nothing real is installed or downloaded.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
pass=0
check() { # check NAME CONDITION...
	local name=$1
	shift
	if "$@"; then pass=$((pass + 1)); else echo "FAIL: $name" >&2; fails=$((fails + 1)); fi
}

# The fakes read the machine's state from $FAKE (a directory) and log every call to $FAKE/log.
mkdir -p "$work/bin"
cat >"$work/bin/apt-cache" <<'FAKE_EOF'
#!/usr/bin/env bash
echo "apt-cache $*" >>"$FAKE/log"
case "$1" in
show) exit 0 ;; # as on Debian: a referenced-only name is "shown" with exit status 0
policy)
	echo "$2:"
	echo "  Installed: (none)"
	if [ -f "$FAKE/candidate-$2" ] && { [ ! -f "$FAKE/needs-nonfree-$2" ] || [ -f "$FAKE/lists-nonfree" ]; } &&
		{ [ ! -f "$FAKE/needs-update" ] || [ -f "$FAKE/lists-fresh" ]; }; then
		echo "  Candidate: $(cat "$FAKE/candidate-$2")"
	else
		echo "  Candidate: (none)"
	fi
	echo "  Version table:"
	;;
esac
FAKE_EOF
cat >"$work/bin/apt-get" <<'FAKE_EOF'
#!/usr/bin/env bash
echo "apt-get $*" >>"$FAKE/log"
for a in "$@"; do
	case "$a" in
	update)
		touch "$FAKE/lists-fresh"
		if grep -qs 'non-free' "$TRAJDIFF_APT_SOURCES_DIR"/*.sources; then touch "$FAKE/lists-nonfree"; fi
		exit 0
		;;
	download)
		pkg=${*: -1}
		: >"${pkg}_$(cat "$FAKE/candidate-$pkg")_amd64.deb"
		exit 0
		;;
	install) exit 0 ;;
	esac
done
FAKE_EOF
cat >"$work/bin/dpkg-query" <<'FAKE_EOF'
#!/usr/bin/env bash
printf 'install ok installed'
FAKE_EOF
cat >"$work/bin/dpkg-deb" <<'FAKE_EOF'
#!/usr/bin/env bash
# --fsys-tarfile DEB: a tar of the two files the installer extracts.
d=$(mktemp -d)
mkdir -p "$d/usr/include" "$d/usr/lib/x86_64-linux-gnu/stubs"
echo '/* fake cuda.h */' >"$d/usr/include/cuda.h"
echo 'fake stub' >"$d/usr/lib/x86_64-linux-gnu/stubs/libcuda.so"
tar -C "$d" -cf - ./usr
rm -rf "$d"
FAKE_EOF
chmod +x "$work/bin"/*

# scenario NAME: a fresh fake machine; sets FAKE, TRAJDIFF_APT_SOURCES_DIR, TRAJDIFF_CUDA_DIR.
scenario() {
	export FAKE="$work/$1"
	mkdir -p "$FAKE/sources" "$FAKE/home"
	: >"$FAKE/log"
	export TRAJDIFF_APT_SOURCES_DIR="$FAKE/sources" TRAJDIFF_CUDA_DIR="$FAKE/home/cuda"
}
run_gpu() { PATH="$work/bin:$PATH" HOME="$FAKE/home" bash "$root/.ci/install.d/gpu.sh" >"$FAKE/out" 2>&1; }
logged() { grep -q -- "$1" "$FAKE/log"; }
before() { # before A B: the first log line matching A comes before the first matching B
	local a b
	a=$(grep -n -m1 -- "$1" "$FAKE/log" | cut -d: -f1)
	b=$(grep -n -m1 -- "$2" "$FAKE/log" | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}

# 1. apt_candidate reads `apt-cache policy`, never `apt-cache show`.
scenario candidate
echo 11.8.89 >"$FAKE/candidate-present"
candidate() { PATH="$work/bin:$PATH" bash -c '. "$1"; apt_candidate "$2"' _ "$root/.ci/lib/apt.sh" "$1"; }
has_candidate() { PATH="$work/bin:$PATH" bash -c '. "$1"; apt_has_candidate "$2"' _ "$root/.ci/lib/apt.sh" "$1"; }
check "candidate of an installable package" [ "$(candidate present)" = 11.8.89 ]
check "no candidate for a referenced-only package" [ -z "$(candidate referenced)" ]
if has_candidate referenced; then r=1; else r=0; fi
check "apt_has_candidate is false for a referenced-only package" [ $r = 0 ]

# 2. A machine whose sources list only main, with stale lists: the package needs contrib/non-free.
scenario main-only
echo '11.8.89~11.8.0-5~deb12u1' >"$FAKE/candidate-nvidia-cuda-dev"
touch "$FAKE/needs-nonfree-nvidia-cuda-dev" "$FAKE/needs-update"
check "main-only: gpu.sh succeeds" run_gpu
check "main-only: contrib and non-free added" grep -q '^Components: contrib non-free$' "$FAKE/sources/trajdiff-contrib-non-free.sources"
check "main-only: the sources name this release" grep -q "^Suites: $(. /etc/os-release && echo "$VERSION_CODENAME") " "$FAKE/sources/trajdiff-contrib-non-free.sources"
check "main-only: lists refreshed before the download" before 'apt-get update' 'apt-get.*download'
check "main-only: downloaded after adding the sources" [ -f "$FAKE/lists-nonfree" ]
check "main-only: never decides by apt-cache show" bash -c '! grep -q "apt-cache show" "$FAKE/log"'
check "main-only: cuda.h extracted" [ -f "$FAKE/home/cuda/include/cuda.h" ]
check "main-only: libcuda stub extracted" [ -f "$FAKE/home/cuda/stubs/libcuda.so" ]
# A second run finds the cache and touches nothing.
: >"$FAKE/log"
check "main-only: second run succeeds" run_gpu
check "main-only: second run downloads nothing" bash -c '! grep -q download "$FAKE/log"'

# 3. Sources already include non-free and the lists are fresh: no sources are added, no update is needed.
scenario nonfree-present
echo '11.8.89' >"$FAKE/candidate-nvidia-cuda-dev"
check "nonfree-present: gpu.sh succeeds" run_gpu
check "nonfree-present: no sources file written" [ -z "$(ls "$FAKE/sources")" ]
check "nonfree-present: no update" bash -c '! grep -q "apt-get.*update" "$FAKE/log"'
check "nonfree-present: downloaded" logged 'apt-get.*download.*nvidia-cuda-dev'

# 4. Non-free present but the lists are stale (never updated on this machine): one update suffices.
scenario stale-lists
echo '11.8.89' >"$FAKE/candidate-nvidia-cuda-dev"
touch "$FAKE/needs-update"
check "stale-lists: gpu.sh succeeds" run_gpu
check "stale-lists: no sources file written" [ -z "$(ls "$FAKE/sources")" ]
check "stale-lists: updated before the download" before 'apt-get update' 'apt-get.*download'

# 5. A release without the package at all: a clear failure, not a download attempt.
scenario absent
if run_gpu; then r=0; else r=1; fi
check "absent: gpu.sh fails" [ $r = 1 ]
check "absent: says why" grep -q 'no installable candidate' "$FAKE/out"
check "absent: no download attempted" bash -c '! grep -q download "$FAKE/log"'

echo "installers: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
