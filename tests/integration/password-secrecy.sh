# SPDX-License-Identifier: MIT
# The password never shows: not in the arguments or environment of a
# running espfleet (/proc/PID/cmdline and environ, ps, ps e), not on stdout,
# stderr or in JSON, also with -v. espfleet push takes it from
# ESPFLEET_PASSWORD (then wipes and unsets it) or --password-file; espfleet
# espota takes -a/--auth like espota.py but wipes it from its argv at once.
# espfleet push refuses passwords as arguments (exit 2) without echoing them.
. "$(dirname "$0")/lib.sh"

PW='Zebra-Quartz-4471'
printf '%s\n' "$PW" >"$T/pw"
start_sim good --devices 2 --addr-base 127.33.0.1 --password-file "$T/pw"
start_sim mute --devices 1 --addr-base 127.33.1.1 --password-file "$T/pw" \
    --fault silent
mkimage "$T/app.bin" 60000 -s 60

# no_secret WHAT FILE...: the password is in none of the files
no_secret() {
	local what=$1
	shift
	if grep -qaF -e "$PW" "$@"; then
		fail "the password appears in $what"
	fi
}

# (a) against devices that answer: the exchange works, nothing leaks
ESPFLEET_PASSWORD=$PW "$ESPFLEET" push -v --json "$T/app.bin" \
    127.33.0.1 127.33.0.2 >"$T/a.json" 2>"$T/a.err" || fail "push (a) exited $?"
[ "$(json_count "$T/a.json" '.event == "result" and .ok')" = 2 ] ||
	fail "push (a): not 2 ok results"
grep -q '> 200 [0-9a-f]\{32\} <response redacted> (md5 scheme)' "$T/a.err" ||
	fail "push (a): -v did not log the authentication"
no_secret "push stdout/JSON" "$T/a.json"
no_secret "push -v stderr" "$T/a.err"
# back from (a), its image confirmed, before it is sent another
wait_boot_count good sim-0001 2
"$ESPFLEET" push -v --password-file "$T/pw" "$T/app.bin" 127.33.0.1 \
    >"$T/a2.out" 2>"$T/a2.err" || fail "push (a) --password-file exited $?"
grep -q '^127.33.0.1: ok: ' "$T/a2.out" || fail "push --password-file result"
no_secret "push --password-file output" "$T/a2.out" "$T/a2.err"
wait_boot_count good sim-0001 3

# (b) while processes wait for a silent device: their /proc and ps
# PROC_PIDS[i] runs with output in $T/b$i.out/.err
PROC_PIDS=()
run_bg() {
	local i=${#PROC_PIDS[@]}
	"$@" >"$T/b$i.out" 2>"$T/b$i.err" &
	PROC_PIDS+=("$!")
	PIDS+=("$!")
}
run_bg env EFL_CANARY=canary-in-environ ESPFLEET_PASSWORD="$PW" \
    "$ESPFLEET" push -v --json -t 6 -r 0 "$T/app.bin" 127.33.1.1
# ESPFLEET_PASSWORD also set but not used (the file, -a win): still wiped
run_bg env ESPFLEET_PASSWORD="$PW" "$ESPFLEET" push -v --json -t 6 -r 0 \
    --password-file "$T/pw" "$T/app.bin" 127.33.1.1:8266
run_bg env ESPFLEET_PASSWORD="$PW" "$ESPFLEET" espota -i 127.33.1.1 \
    -p 8266 -a "$PW" -f "$T/app.bin" -t 6 -d
run_bg env -u ESPFLEET_PASSWORD "$ESPFLEET" espota -i 127.33.1.1 -p 8266 \
    --auth="$PW" -f "$T/app.bin" -t 6 -d
run_bg env -u ESPFLEET_PASSWORD "$ESPFLEET" espota -i 127.33.1.1 -p 8266 \
    --auth "$PW" -f "$T/app.bin" -t 6 -d
run_bg env -u ESPFLEET_PASSWORD "$ESPFLEET" espota -i 127.33.1.1 -p 8266 \
    "-a$PW" -f "$T/app.bin" -t 6 -d
# env(1) execs espfleet in place: the PIDs are espfleet's. Each is past
# taking its password once it has sent the invitation (logged by -v/-d).
for i in "${!PROC_PIDS[@]}"; do
	for _ in $(seq 50); do
		grep -q 'invitation' "$T/b$i.err" && break
		sleep 0.05
	done
	grep -q 'invitation' "$T/b$i.err" ||
		fail "process $i did not send an invitation: $(cat "$T/b$i.err")"
done
for i in "${!PROC_PIDS[@]}"; do
	p=${PROC_PIDS[$i]}
	kill -0 "$p" 2>/dev/null || fail "process $i ended too early"
	tr '\0' ' ' <"/proc/$p/cmdline" >"$T/b$i.cmdline"
	tr '\0' '\n' <"/proc/$p/environ" >"$T/b$i.environ"
	ps -ww -o args= -p "$p" >"$T/b$i.ps"
	ps e -ww -p "$p" >"$T/b$i.pse"
	kill -0 "$p" 2>/dev/null || fail "process $i ended while being read"
	# the checks can see what is there
	grep -qF "$T/app.bin" "$T/b$i.cmdline" || fail "cmdline $i unreadable"
	grep -qF "$T/app.bin" "$T/b$i.ps" || fail "ps $i unreadable"
	grep -q "espfleet" "$T/b$i.pse" || fail "ps e $i unreadable"
	no_secret "/proc/PID/cmdline of process $i" "$T/b$i.cmdline"
	no_secret "/proc/PID/environ of process $i" "$T/b$i.environ"
	no_secret "ps args of process $i" "$T/b$i.ps"
	no_secret "ps e of process $i" "$T/b$i.pse"
done
# the environment is really visible to these checks, and the variable is
# gone from it (wiped and unset), not just emptied
grep -qx 'EFL_CANARY=canary-in-environ' "$T/b0.environ" ||
	fail "environ of process 0 is not readable"
grep -q 'EFL_CANARY=canary-in-environ' "$T/b0.pse" ||
	fail "ps e does not show the environment"
for i in 0 1 2; do
	grep -q '^ESPFLEET_PASSWORD=.' "$T/b$i.environ" &&
		fail "ESPFLEET_PASSWORD still has a value in environ of $i"
done
# each ends on its own: no answer, exit 1
for i in "${!PROC_PIDS[@]}"; do
	p=${PROC_PIDS[$i]}
	for _ in $(seq 100); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	set +e
	wait "$p"
	rc=$?
	set -e
	[ "$rc" = 1 ] || fail "process $i exited $rc, not 1"
	no_secret "stdout of process $i" "$T/b$i.out"
	no_secret "stderr of process $i" "$T/b$i.err"
done
for i in 0 1; do
	[ "$(json_count "$T/b$i.out" '.event == "result" and
	    .error == "no-answer"')" = 1 ] || fail "process $i: no no-answer result"
done
for i in 2 3 4 5; do
	grep -q 'no answer to the invitation within 6 s' "$T/b$i.err" ||
		fail "espota $i: $(cat "$T/b$i.err")"
done

# espota with -a really authenticates (the wiped password was kept inside)
env -u ESPFLEET_PASSWORD "$ESPFLEET" espota -i 127.33.0.2 -p 8266 -a "$PW" \
    -f "$T/app.bin" -d >"$T/c.out" 2>"$T/c.err" ||
	fail "espota -a exited $?: $(cat "$T/c.err")"
grep -q 'redacted' "$T/c.err" || fail "espota -d did not log the auth"
no_secret "espota -d output" "$T/c.out" "$T/c.err"
wait_boot_count good sim-0002 3

# passwords as arguments of espfleet push: refused, exit 2, not echoed
for form in "--auth $PW" "--auth=$PW" "-a $PW" "-a$PW" "--password $PW" \
    "--password=$PW"; do
	set +e
	# shellcheck disable=SC2086 # split the form into its words
	"$ESPFLEET" push $form "$T/app.bin" 127.33.0.1 >"$T/arg.out" 2>"$T/arg.err"
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "push ${form%% *}... exited $rc, not 2"
	grep -q 'passwords are not taken as arguments' "$T/arg.err" ||
		fail "push ${form%% *}...: $(cat "$T/arg.err")"
	no_secret "the refusal of ${form%% *}" "$T/arg.out" "$T/arg.err"
done
[ "$(device_field good sim-0001 boot_count)" = 3 ] ||
	fail "a refused push reached a device"
echo "password-secrecy: ok"
