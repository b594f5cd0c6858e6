# SPDX-License-Identifier: MIT
# What a running espfleet leaves of its password where others can look:
# (a) a core dump (gcore, which honours the kernel's MADV_DONTDUMP like the
#     kernel's own dumps) of push, espota -a and serve holding the password
#     has no copy of it, though it has the environment next to it;
# (b) /proc/PID/cmdline of espota -a PW is the same for a 4-byte and a
#     200-byte password: no run of NUL bytes tells the password's length.
. "$(dirname "$0")/lib.sh"

if ! command -v gcore >/dev/null; then
	echo "password-memory: no gcore: skipped"
	exit 77
fi

PW='Kestrel-Obsidian-9182'
LONG=$(printf 'L%.0s' $(seq 200))
printf '%s\n' "$PW" >"$T/pw"
start_sim mute --devices 1 --addr-base 127.72.0.1 --password-file "$T/pw" \
    --fault silent
mkimage "$T/app.bin" 60000 -s 72

# run_bg NAME CMD...: output in $T/NAME.out/.err, pid in BG_PID
run_bg() {
	local name=$1
	shift
	"$@" >"$T/$name.out" 2>"$T/$name.err" &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# wait_log NAME PATTERN: until NAME's stderr or stdout has PATTERN (<= 10 s)
wait_log() {
	for _ in $(seq 100); do
		grep -q "$2" "$T/$1.err" "$T/$1.out" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "$1: no '$2' within 10 s: $(cat "$T/$1.err")"
}

# no_secret_in_core NAME PID: a core of PID holds the environment's canary
# (the dump is readable) but not the password
no_secret_in_core() {
	gcore -o "$T/core-$1" "$2" >"$T/gcore-$1.log" 2>&1 ||
		fail "gcore of $1 failed: $(tail -3 "$T/gcore-$1.log")"
	kill -0 "$2" 2>/dev/null || fail "$1 ended while it was dumped"
	[ -s "$T/core-$1.$2" ] || fail "no core of $1"
	grep -qaF 'canary-in-the-core' "$T/core-$1.$2" ||
		fail "the core of $1 does not hold its environment"
	if grep -qaF -e "$PW" "$T/core-$1.$2"; then
		fail "the password is in the core dump of $1"
	fi
	rm -f "$T/core-$1.$2"
}

# (a) core dumps of push, espota -a and serve holding the password
core_checks() {
	run_bg push env EFL_CANARY=canary-in-the-core ESPFLEET_PASSWORD="$PW" \
	    "$ESPFLEET" push -v -t 20 -r 0 "$T/app.bin" 127.72.0.1
	wait_log push 'invitation'
	no_secret_in_core push "$BG_PID"
	stop_pid "$BG_PID"

	run_bg espota env EFL_CANARY=canary-in-the-core "$ESPFLEET" espota \
	    -i 127.72.0.1 -a "$PW" -f "$T/app.bin" -t 20 -d
	wait_log espota 'invitation'
	no_secret_in_core espota "$BG_PID"
	stop_pid "$BG_PID"

	EFL_CANARY=canary-in-the-core start_serve serve \
	    --password-file "$T/pw" -l 127.72.1.1:0 "$T/app.bin"
	# one request with the password and one without: both answered
	code=$(curl -s -o /dev/null -w '%{http_code}' -u "x:$PW" \
	    -H 'User-Agent: ESP8266-http-Update' \
	    -H 'x-ESP8266-STA-MAC: 02:00:00:00:00:01' \
	    "http://127.72.1.1:$SERVE_PORT/fw.bin")
	[ "$code" = 200 ] || fail "serve with the password answered $code"
	code=$(curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.72.1.1:$SERVE_PORT/")
	[ "$code" = 401 ] || fail "serve without the password answered $code"
	no_secret_in_core serve "$SERVE_PID"
	stop_pid "$SERVE_PID"
}
# not of a sanitizer build: the dump of its shadow memory alone takes
# minutes (b still runs)
if grep -qa __asan_init "$ESPFLEET"; then
	echo "password-memory: a sanitizer build: no core dumps taken" >&2
else
	core_checks
fi

# (b) the command line of espota -a
cmdline_of() { # PW NAME: /proc/PID/cmdline of espota -a PW, in $T/NAME
	run_bg "$2" "$ESPFLEET" espota -i 127.72.0.1 -p 8266 -a "$1" \
	    -f "$T/app.bin" -t 20 -d
	wait_log "$2" 'invitation'
	cat "/proc/$BG_PID/cmdline" >"$T/$2"
	kill -0 "$BG_PID" 2>/dev/null || fail "$2 ended while being read"
	stop_pid "$BG_PID"
}
cmdline_of "$PW" cmd-short
cmdline_of "$LONG" cmd-long
cmdline_of "x" cmd-one
grep -qF "$T/app.bin" "$T/cmd-short" || fail "cmdline unreadable"
grep -qaF -e "$PW" "$T/cmd-short" && fail "the password is in the cmdline"
grep -qaF -e "LLLL" "$T/cmd-long" && fail "the password is in the cmdline"
cmp -s "$T/cmd-short" "$T/cmd-long" && cmp -s "$T/cmd-short" "$T/cmd-one" ||
	fail "cmdline depends on the password: $(od -c "$T/cmd-short" |
	    tail -3) / $(od -c "$T/cmd-long" | tail -3)"
echo "password-memory: ok"
