#!/bin/sh
# SPDX-License-Identifier: MIT
# The agent core stays portable: every .c/.h includes only <stddef.h>,
# <stdint.h>, <string.h>, its own headers and the port's EFA_CONFIG_FILE,
# and calls no malloc/free/printf family (comments stripped first); with the
# library, its undefined symbols are only efa_* and string.h functions.
# Usage: check-core-purity.sh <firmware-agent/core> [libefa_core.a]
set -u
core=${1:?usage: check-core-purity.sh <core dir> [libefa_core.a]}
lib=${2:-}
status=0

fail() {
	echo "check-core-purity: $*" >&2
	status=1
}

calls='malloc|calloc|realloc|free|alloca|exit|abort'
calls="$calls|printf|fprintf|sprintf|snprintf|vprintf|vfprintf|vsprintf"
calls="$calls|vsnprintf|puts|fputs|putchar|fopen|fwrite|fread"
banned="(^|[^A-Za-z0-9_>.])($calls)[[:space:]]*[(]"

files=$(find "$core" -type f \( -name '*.c' -o -name '*.h' \) | sort)
[ -n "$files" ] || { fail "no sources under $core"; exit 1; }

for f in $files; do
	# includes: angle brackets only for the three freestanding-friendly
	# headers; quotes only for headers that exist in the core itself
	grep -n '^[[:space:]]*#[[:space:]]*include' "$f" |
	while IFS= read -r line; do
		sp='[[:space:]]*'
		inc=$(printf '%s\n' "$line" |
		    sed "s/^[0-9]*:$sp#${sp}include$sp//")
		case $inc in
		"<stddef.h>"*|"<stdint.h>"*|"<string.h>"*|EFA_CONFIG_FILE*)
			;;
		\"*)
			name=${inc#\"}
			name=${name%%\"*}
			if [ ! -f "$(dirname "$f")/$name" ] &&
			    [ ! -f "$core/include/$name" ]; then
				echo "$f:${line%%:*}: not a core header: $inc"
			fi
			;;
		*)
			echo "$f:${line%%:*}: platform include: $inc"
			;;
		esac
	done | while IFS= read -r msg; do
		echo "check-core-purity: $msg" >&2
		echo x
	done | grep -q x && status=1

	# calls into the heap or stdio, outside comments and strings (a
	# member call such as sink->abort() is not one)
	hits=$(awk '
	    BEGIN { c = 0 }
	    {
		out = ""; s = $0
		while (length(s) > 0) {
			if (c) {
				i = index(s, "*/")
				if (i == 0) { s = ""; break }
				s = substr(s, i + 2); c = 0
				continue
			}
			i = index(s, "/*"); j = index(s, "//")
			if (j > 0 && (i == 0 || j < i)) {
				out = out substr(s, 1, j - 1); s = ""; break
			}
			if (i == 0) { out = out s; s = ""; break }
			out = out substr(s, 1, i - 1) " "
			s = substr(s, i + 2); c = 1
		}
		gsub(/"([^"\\]|\\.)*"/, "\"\"", out)
		printf "%d:%s\n", NR, out
	    }' "$f" | grep -E "$banned")
	if [ -n "$hits" ]; then
		printf '%s\n' "$hits" | while IFS= read -r hit; do
			echo "check-core-purity: $f:$hit: heap/stdio/exit" \
			    "call" >&2
		done
		status=1
	fi
done

# The compiled core: every undefined symbol is the core's own or string.h
# (sanitizer and stack-protector runtimes are allowed for instrumented
# builds).
if [ -n "$lib" ]; then
	nm -u "$lib" 2>/dev/null | awk '$1 == "U" { print $2 }' | sort -u |
	while IFS= read -r sym; do
		case $sym in
		efa_*|mem*|str*|__asan*|__ubsan*|__sanitizer*|__stack_chk_*|\
		_GLOBAL_OFFSET_TABLE_|__x86.get_pc_thunk.*)
			;;
		*)
			echo "check-core-purity: $lib needs $sym" >&2
			echo x
			;;
		esac
	done | grep -q x && status=1
fi

if [ "$status" = 0 ]; then
	echo "check-core-purity: $(echo "$files" | wc -l) files clean"
fi
exit "$status"
