# Debian package helpers shared by the installers in .ci/install.d (sourced, not run).
#
# Nothing here assumes what a machine already has: its package lists may be missing or stale, and its apt
# sources may list only the `main` component. Whether a package can be installed is decided by its
# *candidate* version (`apt-cache policy`), never by `apt-cache show`, which exits 0 for a name that main
# packages merely reference (nvidia-cuda-dev appears under other packages' Reverse Depends with no version).

# apt_candidate PKG prints PKG's installable candidate version, or nothing when there is none.
apt_candidate() {
	LC_ALL=C apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { if ($2 != "(none)") print $2; exit }'
}

# apt_has_candidate PKG succeeds when PKG has an installable candidate in the current package lists.
apt_has_candidate() {
	[ -n "$(apt_candidate "$1")" ]
}

# apt_installed PKG succeeds when PKG is installed (not merely known or half-configured).
apt_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# apt_update refreshes the package lists.
apt_update() {
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
}

# apt_ensure_candidates PKG... refreshes the lists when any PKG has no candidate, and fails naming the
# packages that still have none.
apt_ensure_candidates() {
	local p missing=()
	for p in "$@"; do apt_has_candidate "$p" || missing+=("$p"); done
	[ ${#missing[@]} -eq 0 ] && return 0
	apt_update
	missing=()
	for p in "$@"; do apt_has_candidate "$p" || missing+=("$p"); done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "apt: no installable candidate for: ${missing[*]} (check /etc/apt/sources.list.d)" >&2
		return 1
	fi
}

# apt_install PKG... installs the packages that are not installed yet, refreshing the lists first when
# one of them has no candidate.
apt_install() {
	local p need=()
	for p in "$@"; do apt_installed "$p" || need+=("$p"); done
	[ ${#need[@]} -eq 0 ] && return 0
	apt_ensure_candidates "${need[@]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
}

# apt_enable_components COMPONENT... adds a deb822 sources entry for the running Debian release with
# those components (e.g. contrib non-free) and refreshes the lists. The entry goes to
# $TRAJDIFF_APT_SOURCES_DIR (default /etc/apt/sources.list.d); it is rewritten, never duplicated.
apt_enable_components() {
	local dir=${TRAJDIFF_APT_SOURCES_DIR:-/etc/apt/sources.list.d} codename
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || { echo "apt: cannot tell the Debian release from /etc/os-release" >&2; return 1; }
	mkdir -p "$dir"
	cat >"$dir/trajdiff-$(echo "$*" | tr ' ' '-').sources" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: ${codename} ${codename}-updates
Components: $*
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt_update
}
