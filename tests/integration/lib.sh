# SPDX-License-Identifier: MIT
# Shared helpers of the integration tests (sourced). Every test runs real
# espfleet-sim processes and the real espfleet over loopback sockets, each
# test on its own 127.x.y.0/24 range so tests can run in parallel.
# Processes are tracked by PID and stopped on exit; every wait is bounded.
set -euo pipefail

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

# wait_boot_count SIMNAME DEVICE N: until boot_count >= N (<= 20 s)
wait_boot_count() {
	for _ in $(seq 200); do
		if [ "$(device_field "$1" "$2" boot_count)" -ge "$3" ] 2>/dev/null
		then
			return 0
		fi
		sleep 0.1
	done
	fail "$2 of $1 did not reach boot count $3"
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
