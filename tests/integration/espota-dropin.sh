# SPDX-License-Identifier: MIT
# espfleet espota, the drop-in for espota.py: its command line (password
# forms, option groups, abbreviations), exit codes (0 ok, 1 failed, 2 usage
# error), -r progress bar, -s filesystem images,
# FILE.signed preferred to FILE, ESPFLEET_PASSWORD instead of -a, -P fixed
# host port.
. "$(dirname "$0")/lib.sh"

PW='dropin-pw'
printf '%s\n' "$PW" >"$T/pw"
start_sim fleet --devices 6 --addr-base 127.34.0.1 --password-file "$T/pw"
start_sim open --devices 1 --addr-base 127.34.1.1
mkimage "$T/app.bin" 120000 -s 70
md5() { md5sum <"$1" | cut -d' ' -f1; }

# espota RC ARGS...: run it without ESPFLEET_PASSWORD, expect exit RC
espota() {
	local want=$1
	shift
	set +e
	env -u ESPFLEET_PASSWORD "$ESPFLEET" espota "$@" >"$T/e.out" 2>"$T/e.err"
	rc=$?
	set -e
	[ "$rc" = "$want" ] ||
		fail "espota $* exited $rc, not $want: $(cat "$T/e.err")"
}

# the plain upload: -i -p -a -f
espota 0 -i 127.34.0.1 -p 8266 -a "$PW" -f "$T/app.bin"
wait_boot_count fleet sim-0001 2
cmp -s "$T/app.bin" "$T/fleet/sim-0001/running.bin" || fail "sim-0001 image"
grep -q '^Sending invitation to 127.34.0.1' "$T/e.err" || fail "espota messages"

# -r: the progress bar up to 100 %
espota 0 -i 127.34.0.2 -p 8266 -a "$PW" -f "$T/app.bin" -r
grep -q 'Uploading: \[=\{60\}\] 100% Done\.\.\.' "$T/e.err" ||
	fail "no full progress bar: $(tr '\r' '\n' <"$T/e.err" | tail -3)"
wait_boot_count fleet sim-0002 2
cmp -s "$T/app.bin" "$T/fleet/sim-0002/running.bin" || fail "sim-0002 image"

# a wrong password: exit 1, the device's refusal shown, device unchanged
old=$(md5 "$T/fleet/sim-0003/running.bin")
espota 1 -i 127.34.0.3 -p 8266 -a not-the-pw -f "$T/app.bin"
grep -q 'device rejected the password' "$T/e.err" || fail "wrong password message"
[ "$(device_field fleet sim-0003 last_error)" = "AUTH: Authentication Failed" ] ||
	fail "sim-0003 did not see a failed authentication"
[ "$(md5 "$T/fleet/sim-0003/running.bin")" = "$old" ] || fail "sim-0003 changed"
[ "$(device_field fleet sim-0003 boot_count)" = 1 ] || fail "sim-0003 rebooted"

# command-line errors
espota 1 -i 127.34.0.3 -p 8266 -a "$PW"
grep -q 'not enough arguments' "$T/e.err" || fail "missing -f: $(cat "$T/e.err")"
espota 1 -f "$T/app.bin"
grep -q 'not enough arguments' "$T/e.err" || fail "missing -i: $(cat "$T/e.err")"
espota 2 -i 127.34.0.3 -f "$T/app.bin" --frobnicate
grep -q "unknown option '--frobnicate'" "$T/e.err" || fail "unknown option message"
espota 2 -i 127.34.0.3 -f "$T/app.bin" -Z
grep -q "unknown option" "$T/e.err" || fail "unknown short option message"
espota 1 -i 127.34.0.3 -f "$T/nonexistent.bin"
grep -q "cannot read image" "$T/e.err" || fail "missing file message"
[ "$(device_field fleet sim-0003 boot_count)" = 1 ] || fail "sim-0003 rebooted"
# a mistyped password option is named, its value never shown
espota 2 -i 127.34.0.3 -f "$T/app.bin" --password=typo-secret
grep -q "unknown option '--password'" "$T/e.err" || fail "--password= message"
! grep -q typo-secret "$T/e.err" || fail "the value of an unknown option shown"
espota 2 -i 127.34.0.3 -f "$T/app.bin" -a
grep -q "needs a value" "$T/e.err" || fail "-a without a value: $(cat "$T/e.err")"
# extra arguments are ignored, as espota.py does
espota 1 -i 127.34.0.3 -f "$T/nonexistent.bin" extra
grep -q "ignoring 1 extra argument" "$T/e.err" || fail "extra argument"

# the password in other forms espota.py's parser takes: -a at the end of a
# group of flags, the value in the same word ("-rdaPW")
espota 0 -i 127.34.0.3 -p 8266 -rda"$PW" -f "$T/app.bin"
grep -q 'Uploading: \[=\{60\}\] 100% Done' "$T/e.err" || fail "-rdaPW: no -r bar"
grep -q '> invitation' "$T/e.err" || fail "-rdaPW: no -d log"
wait_boot_count fleet sim-0003 2
cmp -s "$T/app.bin" "$T/fleet/sim-0003/running.bin" || fail "sim-0003 image"

# -s: a filesystem image (command 100; its first byte is no 0xE9), the
# application stays
old=$(md5 "$T/fleet/sim-0004/running.bin")
mkimage "$T/fs.bin" 65536 -s 71 -m 0x00
espota 0 -i 127.34.0.4 -p 8266 -a "$PW" -f "$T/fs.bin" -s -d
grep -q "> invitation '100 [0-9]* 65536 $(md5 "$T/fs.bin")'" "$T/e.err" ||
	fail "-s did not invite with command 100"
wait_boot_count fleet sim-0004 2
[ "$(md5 "$T/fleet/sim-0004/running.bin")" = "$old" ] ||
	fail "a filesystem update changed the application"
# the same image without -s is an application image: refused by the device
espota 1 -i 127.34.0.4 -p 8266 -a "$PW" -f "$T/fs.bin"
grep -q 'Magic byte is not 0xE9' "$T/e.err" || fail "fs image as application"
# an abbreviated long option, as espota.py's parser takes it
espota 0 -i 127.34.0.4 -p 8266 --aut="$PW" -f "$T/app.bin"
wait_boot_count fleet sim-0004 3
cmp -s "$T/app.bin" "$T/fleet/sim-0004/running.bin" || fail "--aut=PW image"

# FILE.signed next to FILE is what gets sent
mkimage "$T/signed.bin" 90000 -s 72
mkimage "$T/signed.bin.signed" 90260 -s 73
espota 0 -i 127.34.0.5 -p 8266 -a "$PW" -f "$T/signed.bin"
wait_boot_count fleet sim-0005 2
cmp -s "$T/signed.bin.signed" "$T/fleet/sim-0005/running.bin" ||
	fail "sim-0005 does not run FILE.signed"

# ESPFLEET_PASSWORD instead of -a
mkimage "$T/app2.bin" 70000 -s 74
ESPFLEET_PASSWORD=$PW "$ESPFLEET" espota -i 127.34.0.6 -p 8266 \
    -f "$T/app2.bin" 2>"$T/env.err" || fail "ESPFLEET_PASSWORD: $(cat "$T/env.err")"
wait_boot_count fleet sim-0006 2
cmp -s "$T/app2.bin" "$T/fleet/sim-0006/running.bin" || fail "sim-0006 image"

# -P: the connect-back comes to that port (a free one, found by binding)
port=$(( 20000 + ($$ * 7 + 34) % 20000 ))
for _ in 1 2 3; do
	set +e
	env -u ESPFLEET_PASSWORD "$ESPFLEET" espota -i 127.34.1.1 -p 8266 \
	    -P "$port" -f "$T/app2.bin" -d >"$T/e.out" 2>"$T/e.err"
	rc=$?
	set -e
	if [ "$rc" != 0 ] && grep -q 'Listen Failed' "$T/e.err"; then
		port=$(( port + 101 ))  # taken by someone else: another one
		continue
	fi
	break
done
[ "$rc" = 0 ] || fail "espota -P $port exited $rc: $(cat "$T/e.err")"
grep -q "> invitation '0 $port 70000 " "$T/e.err" ||
	fail "the invitation does not name port $port"
wait_boot_count open sim-0001 2
cmp -s "$T/app2.bin" "$T/open/sim-0001/running.bin" || fail "open sim-0001 image"
echo "espota-dropin: ok"
