# SPDX-License-Identifier: MIT
# Standard descriptors and the report (issue 11 items 5, 7, 13): a push or
# espota run with stdin, stdout or stderr closed updates the device and
# exits 0 (libuv aborted when a socket landed on fd 0-2); a report that
# cannot be written (stdout on /dev/full, a --json pipe whose reader left
# after one line) is an error: the uploads finish all the same, the message
# is on stderr, exit 3 (was: exit 0 silently, or death by SIGPIPE
# mid-upload); the same for the table of report and for serve.
. "$(dirname "$0")/lib.sh"

start_sim fleet --devices 6 --addr-base 127.181.0.1 --rate 200K
mkimage "$T/app.bin" 200000 -s 181

# expect_updated K BOOTS: device sim-000K rebooted into the image
expect_updated() {
	wait_boot_count fleet "sim-000$1" "$2"
	cmp -s "$T/app.bin" "$T/fleet/sim-000$1/running.bin" ||
		fail "sim-000$1 does not run the image"
}

# run RC WHAT REDIRECTIONS CMD...: CMD with the redirections (eval'd,
# so that they apply to CMD alone, not to the messages of the test) must
# exit RC
run() {
	local want=$1 what=$2 redir=$3 rc
	shift 3
	set +e
	eval '"$@"' "$redir"
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "$what: exit $rc, not $want"
}

# (a) closed descriptors
run 0 "push, stdout closed" '>&- 2>"$T/a1.err"' \
    "$ESPFLEET" push "$T/app.bin" 127.181.0.1
expect_updated 1 2
run 0 "push, stderr closed" '>"$T/a2.out" 2>&-' \
    "$ESPFLEET" push "$T/app.bin" 127.181.0.2
grep -q '1 updated, 0 failed' "$T/a2.out" || fail "push, stderr closed: $(
    cat "$T/a2.out")"
expect_updated 2 2
run 0 "push, all closed" '<&- >&- 2>&-' \
    "$ESPFLEET" push "$T/app.bin" 127.181.0.3
expect_updated 3 2
run 0 "espota, stdin and stdout closed" '<&- >&- 2>"$T/a4.err"' \
    "$ESPFLEET" espota -i 127.181.0.4 -f "$T/app.bin"
expect_updated 4 2
grep -q 'Assertion' "$T/a1.err" "$T/a4.err" && fail "an assertion failed"

# (b) a report on a full disk: the upload happens, exit 3, said on stderr
run 3 "push --json >/dev/full" '>/dev/full 2>"$T/b.err"' \
    "$ESPFLEET" push --json "$T/app.bin" 127.181.0.5
grep -q 'cannot write the report to standard output: No space left' \
    "$T/b.err" || fail "/dev/full: $(cat "$T/b.err")"
expect_updated 5 2
run 3 "push (plain) >/dev/full" '>/dev/full 2>/dev/null' \
    "$ESPFLEET" push "$T/app.bin" 127.181.0.5
expect_updated 5 3

# (c) push --json | head -1: both uploads finish, exit 3, no SIGPIPE
set +e
"$ESPFLEET" push --json "$T/app.bin" 127.181.0.5 127.181.0.6 \
    2>"$T/c.err" | head -1 >"$T/c.out"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 3 ] || fail "push --json | head -1: exit $rc, not 3 (141: \
SIGPIPE): $(cat "$T/c.err")"
jq -e '.event == "start"' "$T/c.out" >/dev/null || fail "head got $(
    cat "$T/c.out")"
grep -q 'cannot write the report to standard output: Broken pipe' \
    "$T/c.err" || fail "no write error said: $(cat "$T/c.err")"
expect_updated 5 4
expect_updated 6 2

# (d) report's table and discover's list on a full disk
"$ESPFLEET" push --json "$T/app.bin" 127.181.0.6 >"$T/d.json" 2>/dev/null ||
	fail "push for report"
run 3 "report >/dev/full" '>/dev/full 2>"$T/d.err"' \
    "$ESPFLEET" report "$T/d.json"
grep -q 'cannot write the table to standard output' "$T/d.err" ||
	fail "report: $(cat "$T/d.err")"

# (e) serve with its report on a full disk: serves all the same, said on
# stderr at once, exit 3 when stopped (was 0)
"$ESPFLEET" serve --json -l 127.181.1.1:8080 "$T/app.bin" >/dev/full \
    2>"$T/e.err" &
pid=$!
PIDS+=("$pid")
for _ in $(seq 100); do
	grep -q 'cannot write the report' "$T/e.err" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
grep -q 'cannot write the report to standard output' "$T/e.err" ||
	fail "serve: $(cat "$T/e.err")"
curl -s -o "$T/e.bin" -H 'x-ESP8266-STA-MAC: 02:00:00:00:00:01' \
    -H 'User-Agent: ESP8266-http-Update' http://127.181.1.1:8080/firmware.bin ||
	fail "serve does not serve"
cmp -s "$T/e.bin" "$T/app.bin" || fail "serve served something else"
end_with "$pid" TERM 3 "serve"
echo "stdio: ok"
