# SPDX-License-Identifier: MIT
# espfleet push --via http: the image goes to each device's /update page
# (ESP8266HTTPUpdateServer, espfleet-sim --http-port) as a multipart POST.
# Three open devices are updated (running.bin, one reboot each, JSON with
# "via":"http", plain lines); with passwords: none given -> auth-failed and
# exit 3, a wrong one -> auth-failed and exit 1, the right one (user admin)
# -> updated; a bad magic byte and a too large flash size -> image-invalid;
# an image larger than the free space -> no-space; a filesystem image
# leaves the application alone; a port without a page -> no-answer after a
# retry; usage errors exit 2. Every failure leaves the device as it was.
. "$(dirname "$0")/lib.sh"

HP=8080
printf 'Http-Sesame 7\n' >"$T/pw.txt"
printf 'not-it\n' >"$T/badpw.txt"
start_sim open --devices 3 --addr-base 127.50.0.1 --http-port $HP
start_sim pw --devices 2 --addr-base 127.50.1.1 --http-port $HP \
    --chip esp32 --password-file "$T/pw.txt"
start_sim small --devices 1 --addr-base 127.50.2.1 --http-port $HP \
    --flash-size 1M --fs-size 256K
mkimage "$T/app.bin" 300000 -s 71 -V http-1
mkimage "$T/magic.bin" 20000 -s 72 -m 0x42
mkimage "$T/flash16m.bin" 20000 -s 73 -f 9
mkimage "$T/big.bin" 800000 -s 74
mkimage "$T/fs.bin" 65536 -s 75 -m 0x00

# the page itself, as a browser sees it
python3 - "$HP" <<'EOF' || fail "GET /update"
import sys, urllib.request
page = urllib.request.urlopen("http://127.50.0.1:%s/update" % sys.argv[1],
                              timeout=5).read().decode()
assert "name='firmware'" in page and "name='filesystem'" in page, page
EOF

# (1) three open devices
"$ESPFLEET" push --via http -p $HP --json "$T/app.bin" \
    $(addrs 127.50.0.1 3) >"$T/open.json" 2>"$T/open.err" ||
	fail "push exited $? ($(cat "$T/open.err"))"
jq -se '.[0].event == "start" and .[0].via == "http"' "$T/open.json" \
    >/dev/null || fail "start event: $(head -1 "$T/open.json")"
[ "$(json_count "$T/open.json" '.event == "result" and .ok and
    .bytes == 300000 and .attempts == 1 and .upload_seconds != null')" = 3 ] ||
	fail "not 3 ok results: $(jq -c 'select(.event == "result")' \
	    "$T/open.json")"
[ "$(json_count "$T/open.json" '.v != 1 or (.event | type) != "string"')" \
    = 0 ] || fail "an object without v:1 and event"
for s in connecting uploading finishing; do
	[ "$(json_count "$T/open.json" ".event == \"state\" and
	    .state == \"$s\"")" = 3 ] || fail "not 3 '$s' states"
done
jq -se '.[] | select(.event == "summary") | .ok == 3 and .failed == 0' \
    "$T/open.json" >/dev/null || fail "summary"
for k in 1 2 3; do
	wait_boot_count open sim-000$k 2
	cmp -s "$T/app.bin" "$T/open/sim-000$k/running.bin" ||
		fail "sim-000$k runs something else"
	[ "$(device_field open sim-000$k version)" = http-1 ] ||
		fail "sim-000$k version"
done

# plain lines
mkimage "$T/app2.bin" 100000 -s 76
"$ESPFLEET" push --via http --port $HP --no-verify "$T/app2.bin" \
    127.50.0.2 >"$T/plain.out" 2>&1 || fail "plain push: $(cat "$T/plain.out")"
grep -q 'to 1 target over HTTP$' "$T/plain.out" || fail "plain start line"
grep -q '^127.50.0.2: starting (127.50.0.2:8080)$' "$T/plain.out" ||
	fail "plain starting line"
grep -q '^127.50.0.2: ok: ' "$T/plain.out" || fail "plain result line"
wait_boot_count open sim-0002 3
cmp -s "$T/app2.bin" "$T/open/sim-0002/running.bin" || fail "second image"

# (2) passwords
set +e
env -u ESPFLEET_PASSWORD "$ESPFLEET" push --via http -p $HP --json \
    "$T/app.bin" 127.50.1.1 >"$T/nopw.json" 2>"$T/nopw.err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "no password: exit $rc, not 3"
jq -se '[.[] | select(.event == "result")] | length == 1 and (.[0] |
    .error == "auth-failed" and .attempts == 1 and
    (.message | contains("ESPFLEET_PASSWORD")))' "$T/nopw.json" \
    >/dev/null || fail "no password: $(cat "$T/nopw.json")"

set +e
env -u ESPFLEET_PASSWORD "$ESPFLEET" push --via http -p $HP --json \
    --password-file "$T/badpw.txt" "$T/app.bin" 127.50.1.1 >"$T/bad.json" \
    2>/dev/null
rc=$?
set -e
[ "$rc" = 1 ] || fail "wrong password: exit $rc, not 1"
jq -se '[.[] | select(.event == "result")] | length == 1 and (.[0] |
    .error == "auth-failed" and .attempts == 1 and
    .message == "device rejected the password (HTTP user '"'admin'"')")' \
    "$T/bad.json" >/dev/null || fail "wrong password: $(cat "$T/bad.json")"
grep -qF 'not-it' "$T/bad.json" && fail "the password is in the JSON"

set +e
env -u ESPFLEET_PASSWORD "$ESPFLEET" push --via http -p $HP --json \
    --password-file "$T/pw.txt" --http-user root "$T/app.bin" 127.50.1.1 \
    >"$T/user.json" 2>/dev/null
rc=$?
set -e
[ "$rc" = 1 ] || fail "wrong user: exit $rc, not 1"
[ "$(json_count "$T/user.json" '.event == "result" and
    .error == "auth-failed"')" = 1 ] || fail "wrong user: not auth-failed"
[ "$(device_field pw sim-0001 boot_count)" = 1 ] || fail "pw device rebooted"

ESPFLEET_PASSWORD='Http-Sesame 7' "$ESPFLEET" push --via http -p $HP \
    --json "$T/app.bin" $(addrs 127.50.1.1 2) >"$T/pw.json" 2>"$T/pw.err" ||
	fail "push with the password exited $? ($(cat "$T/pw.err"))"
[ "$(json_count "$T/pw.json" '.event == "result" and .ok')" = 2 ] ||
	fail "password push: not 2 ok"
for k in 1 2; do
	wait_boot_count pw sim-000$k 2
	cmp -s "$T/app.bin" "$T/pw/sim-000$k/running.bin" ||
		fail "pw sim-000$k image"
done

# (3) images the device refuses; it keeps what it runs
refused() { # IMAGE CODE TEXT SIM DEVICE ADDR [push options]
	local img=$1 code=$2 text=$3 sim=$4 dev=$5 addr=$6 rc boots
	shift 6
	boots=$(device_field "$sim" "$dev" boot_count)
	set +e
	"$ESPFLEET" push --via http -p $HP --json "$@" "$img" "$addr" \
	    >"$T/r.json" 2>/dev/null
	rc=$?
	set -e
	[ "$rc" = 1 ] || fail "$(basename "$img"): exit $rc, not 1"
	jq -se --arg c "$code" --arg t "$text" '[.[] |
	    select(.event == "result")] | length == 1 and (.[0] | .ok == false
	    and .error == $c and .attempts == 1 and (.message | contains($t))
	    and (.message | startswith("device reported: ")))' "$T/r.json" \
	    >/dev/null || fail "$(basename "$img"): $(jq -c \
	    'select(.event == "result")' "$T/r.json")"
	sleep 0.5
	[ "$(device_field "$sim" "$dev" boot_count)" = "$boots" ] ||
		fail "$(basename "$img"): $dev rebooted"
}
refused "$T/magic.bin" image-invalid "Magic byte is not 0xE9" open sim-0001 \
    127.50.0.1 --force
[ "$(device_field open sim-0001 last_error)" = \
    "MAGIC: Magic byte is not 0xE9" ] || fail "magic: last_error"
refused "$T/flash16m.bin" image-invalid "new Flash config wrong" open \
    sim-0003 127.50.0.3
refused "$T/big.bin" no-space "Not Enough Space" small sim-0001 127.50.2.1
[ "$(device_field small sim-0001 last_error)" = \
    "SPACE: Not Enough Space" ] || fail "no-space: last_error"
cmp -s "$T/app.bin" "$T/open/sim-0001/running.bin" ||
	fail "a refused image changed sim-0001"

# (4) a filesystem image: accepted, the application unchanged
"$ESPFLEET" push --via http -p $HP --fs "$T/fs.bin" 127.50.0.3 \
    >/dev/null 2>&1 || fail "fs push"
wait_boot_count open sim-0003 3
cmp -s "$T/app.bin" "$T/open/sim-0003/running.bin" ||
	fail "an fs update changed the application"

# (5) no page on that port: no-answer, transient, retried
set +e
"$ESPFLEET" push --via http -p 8099 --json -t 1 -r 1 "$T/app.bin" \
    127.50.0.1 >"$T/none.json" 2>/dev/null
rc=$?
set -e
[ "$rc" = 1 ] || fail "no page: exit $rc"
jq -se '[.[] | select(.event == "result")] | length == 1 and (.[0] |
    .error == "no-answer" and .attempts == 2)' "$T/none.json" >/dev/null ||
	fail "no page: $(cat "$T/none.json")"
[ "$(json_count "$T/none.json" '.event == "retry" and
    .error == "no-answer"')" = 1 ] || fail "no page: not retried once"

# (6) usage errors
for args in "--via ftp" "--via http --host-port 4000" "--via http --md5-key" \
    "--http-user admin" "--via http --http-path update"; do
	set +e
	# shellcheck disable=SC2086
	"$ESPFLEET" push $args "$T/app.bin" 127.50.0.1 >/dev/null 2>"$T/u.err"
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "push $args: exit $rc, not 2"
done
echo "push-http: ok"
