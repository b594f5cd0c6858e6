# SPDX-License-Identifier: MIT
# Shared helpers of the integration tests (sourced). Every test runs real
# espfleet-sim processes and the real espfleet over loopback sockets, each
# test on its own 127.x.y.0/24 range so tests can run in parallel.
# Processes are tracked by PID and stopped on exit; every wait is bounded.
set -euo pipefail

# A test that sets EFL_UNSHARE (unshare(1) flags: -n, or -m -n) before
# sourcing this runs in namespaces of its own: it is executed again under
# unshare, or skipped (77) where that is not allowed (not root).
if [ -n "${EFL_UNSHARE:-}" ] && [ "${EFL_IN_PRIVATE_NS:-}" != 1 ]; then
	# shellcheck disable=SC2086 # the flags are words
	if ! unshare $EFL_UNSHARE true 2>/dev/null; then
		echo "$(basename "$0" .sh): needs root (unshare" \
		    "$EFL_UNSHARE): skipped"
		exit 77
	fi
	# shellcheck disable=SC2086
	EFL_IN_PRIVATE_NS=1 exec unshare $EFL_UNSHARE --propagation private \
	    bash "$0" "$@"
fi

: "${ESPFLEET:?set by ctest}" "${ESPFLEET_SIM:?set by ctest}"
: "${EFL_MKIMAGE:?set by ctest}"

T=$(mktemp -d "${TMPDIR:-/tmp}/efl-test.XXXXXX")
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null || true
	done
	if [ "${KEEP_TEST_DIR:-0}" = 1 ]; then
		echo "kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "-- $*" >&2
}

# start_sim NAME [espfleet-sim options...]: state in $T/NAME, waits (<= 30 s)
# for "ready N devices"; sets SIM_PID.
start_sim() {
	local name=$1
	shift
	"$ESPFLEET_SIM" --state-dir "$T/$name" "$@" \
		>"$T/$name.out" 2>"$T/$name.err" &
	SIM_PID=$!
	PIDS+=("$SIM_PID")
	for _ in $(seq 300); do
		if grep -q '^ready ' "$T/$name.out" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$SIM_PID" 2>/dev/null; then
			cat "$T/$name.err" >&2
			fail "espfleet-sim $name exited before it was ready"
		fi
		sleep 0.1
	done
	fail "espfleet-sim $name not ready within 30 s"
}

# start_serve NAME [serve options...]: espfleet serve --json with JSON on
# $T/NAME.json, waits (<= 10 s) for the "listening" line; sets SERVE_PID
# and SERVE_PORT (the port it listens on, also when asked for port 0).
start_serve() {
	local name=$1
	shift
	"$ESPFLEET" serve --json "$@" >"$T/$name.json" 2>"$T/$name.err" &
	SERVE_PID=$!
	PIDS+=("$SERVE_PID")
	for _ in $(seq 100); do
		if grep -q '"event":"listening"' "$T/$name.json" 2>/dev/null
		then
			SERVE_PORT=$(jq -r 'select(.event == "listening") |
			    .listen' "$T/$name.json" | sed 's/.*://')
			return 0
		fi
		kill -0 "$SERVE_PID" 2>/dev/null ||
			fail "serve $name exited: $(cat "$T/$name.err")"
		sleep 0.1
	done
	fail "serve $name is not listening within 10 s"
}

# stop_pid PID: stop one process we started, wait for it (bounded).
stop_pid() {
	kill "$1" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null || true
}

# end_with PID SIGNAL STATUS WHAT: send SIGNAL (INT, TERM, HUP) to a
# process we started; it must end within 10 s with exit status STATUS.
end_with() {
	local rc
	kill "-$2" "$1"
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && fail "$4 ignored SIG$2"
	set +e
	wait "$1"
	rc=$?
	set -e
	[ "$rc" = "$3" ] || fail "$4 exited $rc after SIG$2, not $3"
}

# mkimage OUT SIZE [efl-mkimage options]
mkimage() {
	"$EFL_MKIMAGE" "$@" || fail "efl-mkimage $*"
}

# device_field SIMNAME DEVICE FIELD: a field of DEVICE's device.json
device_field() {
	jq -r ".$3" "$T/$1/$2/device.json"
}

# wait_boot_count SIMNAME DEVICE N: until boot_count >= N and the image
# booted is no longer on trial (its simulated application confirms it
# --confirm-after, 0.2 s by default, after the boot; a device takes no
# update before) (<= 20 s)
wait_boot_count() {
	for _ in $(seq 200); do
		if [ "$(device_field "$1" "$2" boot_count)" -ge "$3" ] 2>/dev/null &&
		    [ "$(device_field "$1" "$2" image_state)" != trial ]
		then
			return 0
		fi
		sleep 0.1
	done
	fail "$2 of $1 did not reach boot count $3 (off trial)"
}

# addrs FIRST N [:PORT]: the addresses of N devices from FIRST (A.B.C.D),
# rolling into the next octet like espfleet-sim does.
addrs() {
	local a b c d n=$2 i v out=""
	IFS=. read -r a b c d <<<"$1"
	v=$(( (a << 24) | (b << 16) | (c << 8) | d ))
	for ((i = 0; i < n; i++, v++)); do
		out="$out $(( (v >> 24) & 255 )).$(( (v >> 16) & 255 )).$(( (v >> 8) & 255 )).$(( v & 255 ))${3:-}"
	done
	echo $out
}

# json_results FILE FILTER: count of result events matching a jq filter
json_count() {
	jq -s "[.[] | select($2)] | length" "$1"
}

# skip_without_avahi NAME: exit 77 (ctest: skipped) when no avahi-daemon
# answers (the mdns-* tests)
skip_without_avahi() {
	local rc=0
	"$ESPFLEET" discover --timeout 0.2 >/dev/null 2>&1 || rc=$?
	if [ "$rc" = 3 ]; then
		echo "$1: no avahi-daemon reachable: skipped"
		exit 77
	fi
}

# wait_listed PREFIX COUNT: until discover lists COUNT devices named
# PREFIX* (avahi probes for about a second after "ready"; <= 20 s); the
# last listing stays in $T/listed.json
wait_listed() {
	for _ in $(seq 40); do
		"$ESPFLEET" discover --json >"$T/listed.json" 2>/dev/null || true
		[ "$(json_count "$T/listed.json" "(.event == \"device\") and
		    (.name | startswith(\"$1\"))")" = "$2" ] && return 0
		sleep 0.5
	done
	fail "discover does not list $2 devices named $1*"
}

# The test fixtures outside the repository (the ESP8266 core and its host
# emulation, the stock espota.py): ../shared/vendor next to the source
# tree, where CI puts them, unless ESPFLEET_VENDOR_DIR names another place.
EFL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
EFL_VENDOR=${ESPFLEET_VENDOR_DIR:-$EFL_TOP/../shared/vendor}
