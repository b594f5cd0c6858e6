# SPDX-License-Identifier: MIT
# espfleet push with passwords: 100 ESP8266 devices (MD5 challenge) and 100
# ESP32 devices (PBKDF2-HMAC-SHA256 challenge) sharing one password take one
# image in one run (-j 100) from ESPFLEET_PASSWORD: exit 0, 200 ok results,
# every running.bin the image. Without a password: exit 3 and the message
# naming ESPFLEET_PASSWORD, no device changed. --password-file works for
# both schemes; a wrong password file is rejected by the device.
. "$(dirname "$0")/lib.sh"

PW='Fleet-Sesame 42!'
printf '%s\n' "$PW" >"$T/pw"
start_sim md5 --devices 100 --addr-base 127.30.0.1 --password-file "$T/pw"
start_sim sha --devices 100 --addr-base 127.30.1.1 --password-file "$T/pw" \
    --chip esp32 --auth sha256
[ "$(device_field md5 sim-0001 auth)" = md5 ] || fail "md5 fleet auth"
[ "$(device_field sha sim-0100 auth)" = sha256 ] || fail "sha fleet auth"
[ "$(device_field sha sim-0100 chip)" = esp32 ] || fail "sha fleet chip"

mkimage "$T/app.bin" 100000 -s 30
ALL="$(addrs 127.30.0.1 100) $(addrs 127.30.1.1 100)"

# no password at all: setup failure, nothing updated
set +e
env -u ESPFLEET_PASSWORD "$ESPFLEET" push -t 3 -r 0 --json "$T/app.bin" \
    127.30.0.1 127.30.1.1 >"$T/nopw.json" 2>"$T/nopw.err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "push without a password exited $rc, not 3"
grep -q 'a device requires a password and none was given: set ESPFLEET_PASSWORD' \
    "$T/nopw.err" || fail "no-password message: $(cat "$T/nopw.err")"
[ "$(json_count "$T/nopw.json" \
    '.event == "result" and .error == "auth-failed"')" = 2 ] ||
	fail "no-password results are not 2 x auth-failed"
jq -se '[.[] | select(.event == "result")] | all(.attempts == 1)' \
    "$T/nopw.json" >/dev/null || fail "a missing password was retried"
[ "$(device_field md5 sim-0001 boot_count)" = 1 ] || fail "md5 device rebooted"
[ "$(device_field sha sim-0001 boot_count)" = 1 ] || fail "sha device rebooted"
# ... but when another target failed for another reason (nothing answers
# at 127.30.9.9), that failure is not hidden behind 3: exit 1 (sim-0002:
# sim-0001 throttles invitations after its failed authentication)
set +e
env -u ESPFLEET_PASSWORD "$ESPFLEET" push -t 1 -r 0 --json "$T/app.bin" \
    127.30.0.2 127.30.9.9 >"$T/nopw2.json" 2>"$T/nopw2.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "no password plus a silent target exited $rc, not 1"
[ "$(json_count "$T/nopw2.json" '.event == "result" and .error == "no-answer"')" = 1 ] ||
	fail "the silent target is not no-answer: $(cat "$T/nopw2.json")"

# the acceptance run: 200 devices, two schemes, one password
start=$(date +%s)
ESPFLEET_PASSWORD=$PW "$ESPFLEET" push -j 100 --json "$T/app.bin" $ALL \
    >"$T/all.json" 2>"$T/all.err" || fail "push of 200 exited $? ($(tail -3 "$T/all.err"))"
note "200 devices in $(( $(date +%s) - start )) s"
[ "$(json_count "$T/all.json" '.event == "result" and .ok')" = 200 ] ||
	fail "not 200 ok results"
[ "$(json_count "$T/all.json" '.event == "result"')" = 200 ] ||
	fail "not 200 results"
jq -se '.[] | select(.event == "summary") | .targets == 200 and
    .ok == 200 and .failed == 0 and .bytes == 200 * 100000' "$T/all.json" \
    >/dev/null ||
	fail "summary: $(jq -c 'select(.event == "summary")' "$T/all.json")"
# every address answered once, in each fleet
[ "$(jq -rs '[.[] | select(.event == "result") | .addr] | unique | length' \
    "$T/all.json")" = 200 ] || fail "results are not for 200 distinct addresses"
# every device rebooted once into the image (one jq over all 200
# device.json files per round, bounded)
want=$(md5sum <"$T/app.bin" | cut -d' ' -f1)
for _ in $(seq 200); do
	behind=$(jq -rs --arg m "$want" '[.[] | select(.boot_count != 2 or
	    .running_md5 != $m)] | length' "$T"/md5/sim-*/device.json \
	    "$T"/sha/sim-*/device.json)
	[ "$behind" = 0 ] && break
	sleep 0.1
done
[ "$behind" = 0 ] || fail "$behind devices did not reboot into the image"
n=0
for f in "$T"/md5/sim-*/running.bin "$T"/sha/sim-*/running.bin; do
	cmp -s "$T/app.bin" "$f" || fail "$f is not the image"
	n=$((n + 1))
done
[ "$n" = 200 ] || fail "$n running.bin files, not 200"

# --password-file, both schemes
mkimage "$T/app2.bin" 50000 -s 31
env -u ESPFLEET_PASSWORD "$ESPFLEET" push --password-file "$T/pw" -t 5 \
    "$T/app2.bin" 127.30.0.7 127.30.1.7 >"$T/pf.out" 2>"$T/pf.err" ||
	fail "push --password-file exited $?: $(cat "$T/pf.out" "$T/pf.err")"
grep -q '2 updated, 0 failed' "$T/pf.out" || fail "password-file summary"
wait_boot_count md5 sim-0007 3
wait_boot_count sha sim-0007 3
cmp -s "$T/app2.bin" "$T/md5/sim-0007/running.bin" || fail "md5 pw-file image"
cmp -s "$T/app2.bin" "$T/sha/sim-0007/running.bin" || fail "sha pw-file image"

# a wrong password from a file: auth-failed, exit 1, the device unchanged
printf 'not-the-password\n' >"$T/badpw"
set +e
env -u ESPFLEET_PASSWORD "$ESPFLEET" push --password-file "$T/badpw" -t 5 \
    --json "$T/app.bin" 127.30.0.8 127.30.1.8 >"$T/bad.json" 2>/dev/null
rc=$?
set -e
[ "$rc" = 1 ] || fail "wrong password exited $rc, not 1"
[ "$(json_count "$T/bad.json" '.event == "result" and
    .error == "auth-failed" and .message == "device rejected the password"')" \
    = 2 ] || fail "wrong password results: $(jq -c 'select(.event == "result")' "$T/bad.json")"
[ "$(device_field md5 sim-0008 boot_count)" = 2 ] || fail "md5 sim-0008 rebooted"
[ "$(device_field sha sim-0008 boot_count)" = 2 ] || fail "sha sim-0008 rebooted"
cmp -s "$T/app.bin" "$T/md5/sim-0008/running.bin" || fail "md5 sim-0008 image"

# an empty password file is a setup error before any device is contacted
: >"$T/empty"
set +e
"$ESPFLEET" push --password-file "$T/empty" "$T/app.bin" 127.30.0.9 \
    >/dev/null 2>"$T/empty.err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "empty password file exited $rc"
grep -q "password file '$T/empty' is empty" "$T/empty.err" ||
	fail "empty password file message: $(cat "$T/empty.err")"
echo "push-auth: ok"
