# SPDX-License-Identifier: MIT
# The Debian package installs and runs: scripts/package packages this
# build, `apt-get install ./espfleet_*.deb` puts it into the system (its
# library dependencies already there), espfleet and espfleet-sim run from
# /usr/bin, `man -w` finds every page and man renders one, README and
# LICENSE are in /usr/share/doc/espfleet; then `apt-get remove` takes it
# out and the list of installed packages is what it was before.
# Images that exclude /usr/share/man or /usr/share/doc from installs
# (path-exclude in /etc/dpkg/dpkg.cfg.d, as Debian's container images do)
# get path-include options for espfleet's own files.
# Root only (skipped, exit 77, otherwise), as is an espfleet already
# installed or a /usr/bin/espfleet of another origin, left alone.
set -euo pipefail
: "${EFL_BUILD:?set by ctest}" "${EFL_SOURCE_DIR:?set by ctest}"
skip() { echo "deb-install: $*: skipped"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || skip "not root"
for tool in apt-get dpkg-deb dpkg-query man; do
	command -v "$tool" >/dev/null || skip "no $tool (scripts/install-deps)"
done
if dpkg-query -W -f '${db:Status-Abbrev}' espfleet 2>/dev/null |
    grep -q '^.i'; then
	skip "an espfleet package is installed already"
fi
[ -e /usr/bin/espfleet ] && skip "/usr/bin/espfleet exists"

T=$(mktemp -d "${TMPDIR:-/tmp}/efl-deb.XXXXXX")
installed=0
cleanup() {
	if [ "$installed" = 1 ]; then
		apt-get remove -y -qq -o DPkg::Lock::Timeout=120 espfleet \
		    >/dev/null 2>&1 || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT

deb=$("$EFL_SOURCE_DIR/scripts/package" "$EFL_BUILD" "$T" | tail -1)
[ -f "$deb" ] || fail "scripts/package made no .deb"
version=$(dpkg-deb -f "$deb" Version)
dpkg-deb -f "$deb" Depends | grep -q 'libuv1' ||
	fail "Depends lacks libuv1: $(dpkg-deb -f "$deb" Depends)"

# dpkg path-exclude rules that would drop espfleet's pages or docs
excluded() { # PATH: 1 if the last matching path-exclude/include excludes it
	local rule pattern verdict=0
	while read -r rule; do
		pattern=${rule#*=}
		# shellcheck disable=SC2053
		if [[ $1 == $pattern ]]; then
			[[ $rule == path-exclude* ]] && verdict=1 || verdict=0
		fi
	done < <(cat /etc/dpkg/dpkg.cfg /etc/dpkg/dpkg.cfg.d/* 2>/dev/null |
	    grep -E '^[[:space:]]*path-(exclude|include)[[:space:]=]' |
	    sed -E 's/^[[:space:]]*(path-[a-z]+)[[:space:]=]+/\1=/')
	[ "$verdict" = 1 ]
}
opts=(-o DPkg::Lock::Timeout=120)
# a file of the package, and the pattern that includes its kind
for p in /usr/share/man/man1/espfleet.1.gz:/usr/share/man/man1/espfleet* \
    /usr/share/man/man5/espfleet-inventory.5.gz:/usr/share/man/man5/espfleet* \
    /usr/share/doc/espfleet/README.md:/usr/share/doc/espfleet/*; do
	if excluded "${p%%:*}"; then
		echo "deb-install: dpkg excludes ${p%%:*} here: including it" >&2
		opts+=(-o "DPkg::Options::=--path-include=${p#*:}")
	fi
done

before=$(dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' |
    sort)
installed=1
apt-get install -y -qq --no-install-recommends "${opts[@]}" "$deb" \
    >"$T/apt.log" 2>&1 || { cat "$T/apt.log" >&2; fail "apt-get install"; }

[ "$(/usr/bin/espfleet --version)" = "espfleet $version" ] ||
	fail "espfleet --version: $(/usr/bin/espfleet --version)"
/usr/bin/espfleet-sim --version | grep -q "$version" ||
	fail "espfleet-sim --version: $(/usr/bin/espfleet-sim --version)"
/usr/bin/espfleet report --help | grep -q -- '--junit' ||
	fail "espfleet report --help"
ldd /usr/bin/espfleet /usr/bin/espfleet-sim | grep -q 'not found' &&
	fail "a library is missing: $(ldd /usr/bin/espfleet | grep 'not found')"
for page in espfleet espfleet-push espfleet-discover espfleet-report \
    espfleet-serve espfleet-espota espfleet-sim; do
	[ "$(man -w "$page")" = "/usr/share/man/man1/$page.1.gz" ] ||
		fail "man -w $page: $(man -w "$page" 2>&1)"
done
[ "$(man -w 5 espfleet-inventory)" = \
    /usr/share/man/man5/espfleet-inventory.5.gz ] ||
	fail "man -w 5 espfleet-inventory: $(man -w 5 espfleet-inventory 2>&1)"
MANPAGER=cat MANWIDTH=80 man espfleet-report 2>/dev/null |
    grep -q 'merge the reports of several pushes' ||
	fail "man espfleet-report does not render"
for f in README.md LICENSE; do
	[ -s "/usr/share/doc/espfleet/$f" ] || fail "no /usr/share/doc/espfleet/$f"
done

apt-get remove -y -qq -o DPkg::Lock::Timeout=120 espfleet >"$T/apt.log" \
    2>&1 || { cat "$T/apt.log" >&2; fail "apt-get remove"; }
installed=0
[ ! -e /usr/bin/espfleet ] || fail "/usr/bin/espfleet left after remove"
[ ! -e /usr/share/man/man1/espfleet.1.gz ] || fail "man page left"
after=$(dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' |
    sort)
[ "$before" = "$after" ] || {
	diff <(echo "$before") <(echo "$after") >&2 || true
	fail "the installed packages differ from before"
}
echo "deb-install: $(basename "$deb") installed, ran, removed"
