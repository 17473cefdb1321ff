#!/usr/bin/env bash
# Installs what the notebooks in notebooks/ need, on a fresh Debian machine or again (idempotent):
#  - Jupyter from Debian packages (.ci/lib/apt.sh): nbconvert, nbclient, ipykernel, jupyter-client; with
#    --with-notebook also the classic `jupyter notebook` server for reading them interactively;
#  - GoNB v0.11.1 (the Go kernel), goimports (golang.org/x/tools v0.41.0) and gopls v0.21.1, built from a
#    tool module in $TRAJDIFF_NOTEBOOK_TOOLS (default ~/.cache/trajdiff/notebook-tools): `go install ...@v0.11.1`
#    of GoNB fails on a deprecation look-up, so the versions are pinned in that module's go.mod instead. The
#    binaries go to $(go env GOPATH)/bin, which must be on PATH (with go) whenever Jupyter runs;
#  - `gonb --install`, which registers the kernel "gonb" with Jupyter (~/.local/share/jupyter/kernels/gonb).
# Needs root (or sudo) for the Debian packages only; each step is skipped when already done.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/.ci/lib/apt.sh"

gonb_version=v0.11.1
tools_version=v0.41.0
gopls_version=v0.21.1

pkgs=(jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client)
for a in "$@"; do
	case "$a" in
	--with-notebook) pkgs+=(jupyter-notebook) ;;
	-h | --help)
		sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
		echo "Usage: $0 [--with-notebook]"
		exit 0
		;;
	*) echo "install.sh: unknown argument $a (want --with-notebook)" >&2; exit 2 ;;
	esac
done

command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "notebooks: go is not on PATH (install Go 1.26 first)" >&2; exit 1; }
gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
export PATH="$PATH:$gobin"

# 1. Jupyter (Debian packages).
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then
	missing=()
	for p in "${pkgs[@]}"; do apt_installed "$p" || missing+=("$p"); done
	[ ${#missing[@]} -eq 0 ] || sudo bash -c ". '$root/.ci/lib/apt.sh' && apt_install ${missing[*]}"
else
	apt_install "${pkgs[@]}"
fi

# 2. The Go tools, pinned in a tool module. A binary is rebuilt only when it is missing or built from another
# version (go version -m reads the module versions a binary was built from).
tools=${TRAJDIFF_NOTEBOOK_TOOLS:-$HOME/.cache/trajdiff/notebook-tools}
built_from() { # built_from BINARY MODULE VERSION
	[ -x "$gobin/$1" ] && go version -m "$gobin/$1" 2>/dev/null | awk -v m="$2" -v v="$3" '
		($1 == "mod" || $1 == "dep") && $2 == m && $3 == v { found = 1 } END { exit !found }'
}
need=()
built_from gonb github.com/janpfeifer/gonb "$gonb_version" || need+=(github.com/janpfeifer/gonb)
built_from goimports golang.org/x/tools "$tools_version" || need+=(golang.org/x/tools/cmd/goimports)
built_from gopls golang.org/x/tools/gopls "$gopls_version" || need+=(golang.org/x/tools/gopls)
if [ ${#need[@]} -gt 0 ]; then
	mkdir -p "$tools"
	(
		cd "$tools"
		[ -f go.mod ] || go mod init tool >/dev/null 2>&1
		go get "github.com/janpfeifer/gonb@$gonb_version" "golang.org/x/tools@$tools_version" \
			"golang.org/x/tools/gopls@$gopls_version"
		GOFLAGS=-buildvcs=false GOBIN="$gobin" go install "${need[@]}"
	)
	echo "notebooks: installed ${need[*]} into $gobin"
fi

# 3. The kernel spec (gonb --install records the absolute path of the gonb binary).
spec=$(jupyter --data-dir)/kernels/gonb/kernel.json
if ! [ -f "$spec" ] || ! grep -q "\"$gobin/gonb\"" "$spec"; then
	"$gobin/gonb" --install
fi
echo "notebooks: Jupyter kernel gonb ($gonb_version) ready; run the notebooks with go and $gobin on PATH"
