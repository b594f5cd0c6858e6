# SPDX-License-Identifier: MIT
# Docs agree with the programs: every man page lints clean (mandoc, warnings
# are errors), every command has its page, and the long options of each
# --help are exactly those of the page (both directions); every page is
# named in espfleet.1; docs/ holds its three documents and every reference
# points to one of their sections.
set -euo pipefail
: "${ESPFLEET:?}" "${ESPFLEET_SIM:?}" "${EFL_TESTS:?}"
man=$EFL_TESTS/../man
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v mandoc >/dev/null || { echo "mandoc missing" >&2; exit 77; }

for page in "$man"/*.[15]; do
	out=$(mandoc -Tlint -W warning "$page" 2>&1 || true)
	[ -z "$out" ] || fail "$(basename "$page"): $out"
done

help_opts() { grep -oE -- '--[a-z0-9][a-z0-9_-]*' | sort -u; }
man_opts() {
	grep -oE '^\.(It|Op|Oo)? ?.*Fl -[a-z0-9][a-z0-9_-]*' "$1" |
		grep -oE 'Fl -[a-z0-9][a-z0-9_-]*' | sed 's/^Fl /-/' | sort -u
}
compare() { # name help-text page
	local h m
	h=$(printf '%s\n' "$2" | help_opts)
	m=$(man_opts "$3")
	if [ "$h" != "$m" ]; then
		diff <(echo "$h") <(echo "$m") >&2 || true
		fail "$1: --help and $(basename "$3") list different options " \
		    "(< help, > man)"
	fi
}

commands=$("$ESPFLEET" --help | awk '/^Commands:/ {on=1; next}
	on && /^  [a-z]/ {print $1} on && /^$/ {exit}')
[ -n "$commands" ] || fail "no commands in espfleet --help"
for c in $commands; do
	page=$man/espfleet-$c.1
	[ -f "$page" ] || fail "command '$c' has no man page"
	grep -q "^\.Xr espfleet-$c 1" "$man/espfleet.1" ||
		fail "espfleet.1 does not refer to espfleet-$c(1)"
	compare "espfleet $c" "$("$ESPFLEET" "$c" --help)" "$page"
done
compare espfleet-sim "$("$ESPFLEET_SIM" --help)" "$man/espfleet-sim.1"
for page in "$man"/*.[15]; do
	name=$(basename "$page")
	[ "$name" = espfleet.1 ] && continue
	grep -q "^\.Xr ${name%.*} ${name##*.}" "$man/espfleet.1" ||
		fail "espfleet.1 does not refer to ${name%.*}(${name##*.})"
done

# exit statuses: the contract is written in espfleet.1
for code in 0 1 2 3 4 5; do
	grep -q "^\.It $code\$" "$man/espfleet.1" ||
		fail "espfleet.1 does not document exit status $code"
done
# docs/: the three documents, and every reference to a document points
# into them, at a section that exists ("docs/protocol.md 3.2", "... section
# 4", "... sections 2-4"); nothing points to a document outside the tree
root=$EFL_TESTS/..
for d in protocol architecture contributing; do
	[ -s "$root/docs/$d.md" ] || fail "docs/$d.md is missing"
done
srcdirs=(src include firmware-agent tests scripts man bench docs README.md
    CMakeLists.txt)
refs=$(cd "$root" && grep -rnoE --exclude-dir='build*' \
    '([A-Za-z/_.-]*)(protocol|design|environment|users|architecture|contributing)\.md' \
    "${srcdirs[@]}" 2>/dev/null || true)
bad=$(printf '%s\n' "$refs" | grep -vE ':docs/(protocol|architecture|contributing)\.md$' |
    grep -v '^$' || true)
[ -z "$bad" ] || fail "references to documents outside docs/: $bad"
section_exists() { # doc number
	local n=$2
	if [[ $n == *.* ]]; then
		grep -q "^### ${n//./\\.} " "$root/docs/$1.md"
	else
		grep -q "^## $n\. " "$root/docs/$1.md"
	fi
}
while IFS= read -r ref; do
	[ -n "$ref" ] || continue
	doc=${ref#*docs/}
	doc=${doc%%.md*}
	nums=$(printf '%s' "${ref#*.md}" | grep -oE '[0-9]+(\.[0-9]+)?' |
	    head -2)
	for n in $nums; do
		section_exists "$doc" "$n" ||
			fail "'$ref': docs/$doc.md has no section $n"
	done
done < <(cd "$root" && grep -rhoE --exclude-dir='build*' \
    'docs/(protocol|architecture|contributing)\.md( sections?)? [0-9]+(\.[0-9]+)?(-[0-9]+)?' \
    "${srcdirs[@]}" 2>/dev/null | sort -u)
echo "docs: ok"
