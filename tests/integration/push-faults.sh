# SPDX-License-Identifier: MIT
# espfleet push against failing devices: each failure gets its own result
# code and message (silent -> no-answer after the retries, no space ->
# no-space with the device's "Not Enough Space", wrong password ->
# auth-failed), a dropped connection is retried and then succeeds, every
# other device is updated, exit 1, and the summary adds up. The plain output
# has one FAILED line per failing device.
. "$(dirname "$0")/lib.sh"

printf 'right-password\n' >"$T/pw"
printf 'other-password\n' >"$T/pw2"
# 1-8: 2 silent, 3 without space, 4 and 5 drop the connection at 40000 bytes
start_sim main --devices 8 --addr-base 127.31.0.1 --password-file "$T/pw" \
    --fault silent:2 --fault no-space:3 --fault drop-at=40000:4,5
# 9-10: a password this push does not know
start_sim other --devices 2 --addr-base 127.31.1.1 --password-file "$T/pw2"
mkimage "$T/app.bin" 100000 -s 40
TARGETS="$(addrs 127.31.0.1 8) $(addrs 127.31.1.1 2)"

set +e
ESPFLEET_PASSWORD=right-password "$ESPFLEET" push --json -t 2 -r 2 \
    "$T/app.bin" $TARGETS >"$T/run.json" 2>"$T/run.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "push exited $rc, not 1"

result() { # ADDR FILTER: the result of ADDR matches the jq filter
	jq -se --arg a "$1" "[.[] | select(.event == \"result\" and
	    .addr == \$a)] | length == 1 and (.[0] | $2)" "$T/run.json" \
	    >/dev/null || fail "result of $1 is not ($2): $(jq -c --arg a "$1" \
	    'select(.event == "result" and .addr == $a)' "$T/run.json")"
}
retries() { # ADDR: number of retry events of ADDR
	json_count "$T/run.json" ".event == \"retry\" and .addr == \"$1\""
}

# silent: no answer, retried twice, then given up
result 127.31.0.2 '.ok == false and .error == "no-answer" and .attempts == 3
    and (.message | test("no answer to the invitation within 2 s"))'
[ "$(json_count "$T/run.json" '.event == "retry" and .addr == "127.31.0.2"
    and .error == "no-answer"')" = 2 ] || fail "silent device: not 2 retries"
# no space: the device says so at once; not retried
result 127.31.0.3 '.ok == false and .error == "no-space" and .attempts == 1
    and (.message | test("Not Enough Space"))'
[ "$(retries 127.31.0.3)" = 0 ] || fail "no-space was retried"
[ "$(device_field main sim-0003 last_error)" = "SPACE: Not Enough Space" ] ||
	fail "sim-0003 last_error: $(device_field main sim-0003 last_error)"
# dropped connection: one transfer-failed retry, then ok
for a in 127.31.0.4 127.31.0.5; do
	result "$a" '.ok == true and .error == null and .attempts == 2 and
	    .bytes == 100000'
	[ "$(json_count "$T/run.json" ".event == \"retry\" and .addr == \"$a\"
	    and .error == \"transfer-failed\" and .attempt == 1")" = 1 ] ||
		fail "$a: not one transfer-failed retry event"
	[ "$(retries "$a")" = 1 ] || fail "$a: more than one retry"
done
# wrong password: rejected, not retried
for a in 127.31.1.1 127.31.1.2; do
	result "$a" '.ok == false and .error == "auth-failed" and
	    .attempts == 1 and .message == "device rejected the password"'
done
for k in 0001 0002; do
	[ "$(device_field other "sim-$k" last_error)" = \
	    "AUTH: Authentication Failed" ] || fail "other sim-$k last_error"
	[ "$(device_field other "sim-$k" boot_count)" = 1 ] ||
		fail "other sim-$k rebooted"
done
# the others: updated at the first attempt
for a in 127.31.0.1 127.31.0.6 127.31.0.7 127.31.0.8; do
	result "$a" '.ok == true and .attempts == 1 and .bytes == 100000'
done
# the summary adds up
jq -se '[.[] | select(.event == "summary")] | length == 1 and (.[0] |
    .targets == 10 and .ok == 6 and .failed == 4 and .skipped == 0 and
    .ok + .failed + .skipped == .targets and
    ([.errors[]] | add) == .failed and
    .errors == {"no-answer": 1, "no-space": 1, "auth-failed": 2})' \
    "$T/run.json" >/dev/null ||
	fail "summary: $(jq -c 'select(.event == "summary")' "$T/run.json")"
[ "$(json_count "$T/run.json" '.event == "result"')" = 10 ] ||
	fail "not one result per target"

# on the devices: the updated ones run the image, the failed ones do not
for k in 1 4 5 6 7 8; do
	wait_boot_count main "sim-000$k" 2
	cmp -s "$T/app.bin" "$T/main/sim-000$k/running.bin" ||
		fail "sim-000$k does not run the image"
done
[ "$(device_field main sim-0004 last_transfer.bytes)" = 100000 ] ||
	fail "sim-0004: the last transfer was not the whole image"
for k in 2 3; do
	[ "$(device_field main "sim-000$k" boot_count)" = 1 ] ||
		fail "sim-000$k rebooted"
	cmp -s "$T/app.bin" "$T/main/sim-000$k/running.bin" &&
		fail "sim-000$k runs the image"
done
cmp -s "$T/app.bin" "$T/other/sim-0001/running.bin" &&
	fail "other sim-0001 runs the image"

# plain output: one FAILED line per failing device, then the summary
set +e
ESPFLEET_PASSWORD=right-password "$ESPFLEET" push -t 2 -r 0 "$T/app.bin" \
    $TARGETS >"$T/plain.out" 2>"$T/plain.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "plain push exited $rc"
[ "$(grep -c ': FAILED ' "$T/plain.out")" = 4 ] ||
	fail "not 4 FAILED lines: $(cat "$T/plain.out")"
grep -q '^127.31.0.2: FAILED no-answer: no answer to the invitation' \
    "$T/plain.out" || fail "plain: silent device"
grep -q '^127.31.0.3: FAILED no-space: .*Not Enough Space' "$T/plain.out" ||
	fail "plain: no-space device"
grep -q '^127.31.1.1: FAILED auth-failed: device rejected the password$' \
    "$T/plain.out" || fail "plain: wrong password 1"
grep -q '^127.31.1.2: FAILED auth-failed: device rejected the password$' \
    "$T/plain.out" || fail "plain: wrong password 2"
[ "$(grep -c ': ok: ' "$T/plain.out")" = 6 ] || fail "plain: not 6 ok lines"
grep -q '^6 updated, 4 failed, 0 skipped (of 10)' "$T/plain.out" ||
	fail "plain summary"
echo "push-faults: ok"
