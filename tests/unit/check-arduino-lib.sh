#!/bin/sh
# SPDX-License-Identifier: MIT
# The Arduino library as users get it: firmware-agent/ports/arduino/sync-core
# assembles a release copy; every core source of efaFilePaths.cmake must be
# in it and compile in the Arduino layout (only <lib>/src on the include
# path), the port's core-version guard takes the placeholder version, and
# no copy of the core may be tracked in git under the port.
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
# The core-version guard of EspFleetAgent.h, preprocessed for the ESP8266
# with empty stand-ins for the core's headers and a core_version.h of each
# version: 0.0.0 (the placeholder a core's build did not replace) and a
# core_version.h without the macros mean "unknown" and pass, as 3.1 does;
# 3.0 and 2.7 stop the build with the port's message.
guard() { # guard NAME WANT(pass|stop) [MAJOR MINOR]
	d=$tmp/guard-$1
	mkdir -p "$d"
	for h in Arduino.h ESP8266WiFi.h WiFiUdp.h; do : >"$d/$h"; done
	if [ $# -gt 2 ]; then
		printf '#define ARDUINO_ESP8266_%s %s\n' MAJOR "$3" MINOR "$4" \
		    REVISION 0 >"$d/core_version.h"
	else
		: >"$d/core_version.h"
	fi
	if "$cc" -x c++ -E -DARDUINO_ARCH_ESP8266 -I"$d" -I"$lib/src" \
	    "$lib/src/EspFleetAgent.h" -o /dev/null 2>"$d/err"; then
		got=pass
	elif grep -q 'needs the ESP8266 Arduino core 3.1' "$d/err"; then
		got=stop
	else
		got="error: $(cat "$d/err")"
	fi
	if [ "$got" != "$2" ]; then
		echo "check-arduino-lib: core version $1: $got, not $2" >&2
		status=1
	fi
}
guard 0.0.0 pass 0 0
guard none pass
guard 3.1.0 pass 3 1
guard 3.2.0 pass 3 2
guard 3.0.2 stop 3 0
guard 2.7.4 stop 2 7

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
         "in the Arduino layout; the core-version guard holds"
exit "$status"
