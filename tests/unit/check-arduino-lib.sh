#!/bin/sh
# SPDX-License-Identifier: MIT
# The Arduino library as users get it: firmware-agent/ports/arduino/sync-core
# assembles a release copy; every core source of efaFilePaths.cmake must be
# in it and compile in the Arduino layout (only <lib>/src on the include
# path), and no copy of the core may be tracked in git under the port.
# Usage: check-arduino-lib.sh <source dir> [C compiler]
set -eu
top=${1:?usage: check-arduino-lib.sh <source dir> [cc]}
cc=${2:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

sh "$top/firmware-agent/ports/arduino/sync-core" "$tmp" >/dev/null
lib=$tmp/EspFleetAgent
status=0
for f in library.properties src/EspFleetAgent.h src/EspFleetAgent.cpp \
    examples/FleetAgent/FleetAgent.ino; do
	[ -f "$lib/$f" ] || { echo "check-arduino-lib: no $f" >&2; status=1; }
done
srcs=$(sed -n 's|^ *\${EFA_CORE_DIR}/\([A-Za-z0-9_]*\.c\) *$|\1|p' \
    "$top/firmware-agent/efaFilePaths.cmake")
for s in $srcs; do
	if [ ! -f "$lib/src/efa_core/$s" ]; then
		echo "check-arduino-lib: $s not in the library" >&2
		status=1
	elif ! "$cc" -std=c99 -Wall -Wextra -Werror -I"$lib/src" \
	    -c "$lib/src/efa_core/$s" -o "$tmp/${s%.c}.o"; then
		echo "check-arduino-lib: $s does not compile in the" \
		     "library layout" >&2
		status=1
	fi
done
if command -v git >/dev/null 2>&1 &&
    git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	tracked=$(git -C "$top" ls-files \
	    firmware-agent/ports/arduino/src/efa \
	    firmware-agent/ports/arduino/src/efa_core)
	if [ -n "$tracked" ]; then
		echo "check-arduino-lib: core copies tracked in git:" \
		     "$tracked" >&2
		status=1
	fi
fi
[ "$status" = 0 ] &&
    echo "check-arduino-lib: $(echo "$srcs" | wc -w) core sources build" \
         "in the Arduino layout"
exit "$status"
