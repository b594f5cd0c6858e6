# SPDX-License-Identifier: MIT
# espfleet serve with devices that pull (espfleet-sim --pull, the headers of
# ESP8266httpUpdate and ESP32 HTTPUpdate): every device gets the image once
# (200 with x-MD5), reboots into it, then gets 304; with --percent 50 only
# the devices whose STA MAC hashes into the first 50 buckets are updated,
# the others get 304, and the split is the same after a restart of the
# server (and follows the documented FNV-1a rule); a device without the
# free space gets 403 and a log line; the version query answers x-version;
# spiffs pulls get the --fs image; HTTP Basic auth; JSON request events;
# SIGTERM stops the server with exit 0; usage and setup errors exit 2, 3,
# bad --listen values with a specific message; port 0 reports the port the
# system picked.
. "$(dirname "$0")/lib.sh"

SRV=127.51.200.1
mkimage "$T/app.bin" 300000 -s 81 -V pull-2.0
mkimage "$T/canary.bin" 200000 -s 82 -V canary-3
mkimage "$T/fs.bin" 65536 -s 83 -m 0x00
APP_MD5=$(md5sum <"$T/app.bin" | cut -d' ' -f1)

# stop_serve NAME: SIGTERM, exit 0 within 5 s, a summary line last
stop_serve() {
	local rc
	kill -TERM "$SERVE_PID"
	for _ in $(seq 50); do
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$SERVE_PID" 2>/dev/null && fail "serve $1 ignored SIGTERM"
	set +e
	wait "$SERVE_PID"
	rc=$?
	set -e
	[ "$rc" = 0 ] || fail "serve $1 exited $rc after SIGTERM, not 0"
	tail -1 "$T/$1.json" | jq -e '.event == "summary" and
	    .command == "serve"' >/dev/null || fail "serve $1: no summary last"
}

# wait_devices SIM N FILTER WHAT: until N device.json files match (<= 20 s)
wait_devices() {
	local n
	for _ in $(seq 200); do
		n=$(jq -s "[.[] | select($3)] | length" "$T/$1"/*/device.json)
		[ "$n" = "$2" ] && return 0
		sleep 0.1
	done
	fail "$1: $n devices, not $2, $4"
}

# (1) a fleet pulls: updated once, then 304
start_serve main -l $SRV:8080 --fs "$T/fs.bin" "$T/app.bin"
jq -e '.size == 300000 and .version == "pull-2.0" and .percent == 100 and
    .auth == false and .md5 == "'"$APP_MD5"'"' "$T/main.json" >/dev/null ||
	fail "listening line: $(head -1 "$T/main.json")"
start_sim fleet --devices 6 --addr-base 127.51.0.1 \
    --pull "http://$SRV:8080/firmware.bin" --pull-every 1
start_sim fleet32 --devices 2 --addr-base 127.51.1.1 --chip esp32 \
    --pull "http://$SRV:8080/firmware.bin" --pull-every 1
wait_devices fleet 6 ".boot_count == 2 and .running_md5 == \"$APP_MD5\" and
    .pulls >= 2 and .last_pull_status == 304" "updated, then 304"
wait_devices fleet32 2 ".boot_count == 2 and .version == \"pull-2.0\" and
    .pulls >= 2 and .last_pull_status == 304" "esp32: updated, then 304"
for f in "$T"/fleet/sim-*/running.bin "$T"/fleet32/sim-*/running.bin; do
	cmp -s "$T/app.bin" "$f" || fail "$f is not the image"
done
# per device: exactly one 200 with the whole image, and 304s after it
for mac in $(jq -r .mac "$T"/fleet/*/device.json "$T"/fleet32/*/device.json)
do
	jq -se --arg m "$mac" '[.[] | select(.event == "request" and
	    .mac == $m)] as $r | ($r | length) >= 2 and
	    ([$r[] | select(.status == 200)] | length) == 1 and
	    $r[0].status == 200 and $r[0].bytes == 300000 and
	    $r[0].completed and $r[0].mode == "sketch" and
	    $r[0].md5 != "'"$APP_MD5"'" and
	    ($r[1:] | all(.status == 304 and .md5 == "'"$APP_MD5"'" and
	    .reason == "already running the image"))' "$T/main.json" \
	    >/dev/null || fail "requests of $mac: $(jq -c --arg m "$mac" \
	    'select(.mac == $m) | [.status, .reason]' "$T/main.json")"
done
[ "$(json_count "$T/main.json" '.event == "request" and .chip == "esp32" and
    .status == 200')" = 2 ] || fail "esp32 requests"
[ "$(json_count "$T/main.json" '.v != 1 or (.event | type) != "string"')" \
    = 0 ] || fail "an object without v:1 and event"

# (2) the version query and a spiffs pull (as the stock clients send them)
python3 - "$SRV" "$APP_MD5" "$T/fs.bin" <<'EOF' || fail "version/spiffs"
import hashlib, sys, urllib.request
srv, app_md5, fs = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
def get(mode):
    r = urllib.request.Request("http://%s:8080/fw" % srv, headers={
        "User-Agent": "ESP8266-http-Update",
        "x-ESP8266-STA-MAC": "5C:CF:7F:AA:BB:CC",
        "x-ESP8266-sketch-md5": app_md5, "x-ESP8266-mode": mode})
    return urllib.request.urlopen(r, timeout=5)
r = get("version")
assert r.status == 200 and r.headers["x-version"] == "pull-2.0", r.headers
assert r.headers["x-MD5"] == app_md5 and r.read() == b""
r = get("spiffs")
body = r.read()
assert r.status == 200 and body == fs, (r.status, len(body))
assert r.headers["x-MD5"] == hashlib.md5(fs).hexdigest()
EOF

# (3) not enough free space: 403, a log line, the device unchanged
start_sim small --devices 1 --addr-base 127.51.2.1 --flash-size 512K \
    --fs-size 192K --pull "http://$SRV:8080/firmware.bin" --pull-every 1
wait_devices small 1 '.pulls >= 1 and .last_pull_status == 403' \
    "no 403 for the small device"
[ "$(device_field small sim-0001 boot_count)" = 1 ] ||
	fail "the small device rebooted"
device_field small sim-0001 last_error | grep -q \
    '^HTTP_UE_SERVER_FORBIDDEN: not enough free space' ||
	fail "small device: $(device_field small sim-0001 last_error)"
jq -se '[.[] | select(.event == "request" and .addr == "127.51.2.1")] |
    length >= 1 and all(.status == 403 and .bytes == 0 and
    (.reason | startswith("not enough free space")) and .free < 300000)' \
    "$T/main.json" >/dev/null || fail "403 events"
grep -q 'warning: refused 127.51.2.1 (5C:CF:7F:33:02:01): not enough free' \
    "$T/main.err" || fail "no log line for the refusal: $(cat "$T/main.err")"
stop_serve main
# offered: 8 devices and the spiffs pull; other: the version query
jq -se '.[-1] | .offered == 9 and .refused >= 1 and .not_modified >= 8 and
    .other == 1' "$T/main.json" >/dev/null ||
	fail "summary: $(tail -1 "$T/main.json")"

# (4) a canary cohort of half the devices, stable across a restart
start_serve canary -l 127.51.200.2:8080 --percent 50 "$T/canary.bin"
start_sim canary --devices 12 --addr-base 127.51.3.1 \
    --pull "http://127.51.200.2:8080/" --pull-every 1
wait_devices canary 12 '.pulls >= 2' "not all pulled twice"
sleep 1.5   # a last pull of those that rebooted
jq -se '[.[] | select(.event == "request")] | all(.bucket != null)' \
    "$T/canary.json" >/dev/null || fail "requests without a bucket"
# the cohort: bucket < 50 were offered the image, the others got 304
jq -se '[.[] | select(.event == "request")] | all(if .bucket < 50 then
    (.status == 200 or .reason == "already running the image") else
    (.status == 304 and (.reason | startswith("not in the canary cohort")))
    end)' "$T/canary.json" >/dev/null ||
	fail "cohort: $(jq -c 'select(.event == "request") | [.mac, .bucket,
	    .status]' "$T/canary.json")"
inside=$(jq -rs '[.[] | select(.event == "request" and .bucket < 50) |
    .mac] | unique | .[]' "$T/canary.json")
n_in=$(echo "$inside" | grep -c . || true)
[ "$n_in" -gt 0 ] && [ "$n_in" -lt 12 ] ||
	fail "cohort of $n_in devices: not a real subset"
updated=$(jq -rs '[.[] | select(.running_md5 == "'"$(md5sum \
    <"$T/canary.bin" | cut -d' ' -f1)"'") | .mac] | sort | .[]' \
    "$T"/canary/*/device.json)
[ "$updated" = "$(echo "$inside" | sort)" ] ||
	fail "updated devices ($updated) are not the cohort ($inside)"
# the documented rule: FNV-1a 32 of the upper-case MAC text, modulo 100
jq -r 'select(.event == "request") | "\(.mac) \(.bucket)"' \
    "$T/canary.json" | sort -u | python3 -c '
import sys
for line in sys.stdin:
    mac, bucket = line.split()
    h = 2166136261
    for c in mac.encode():
        h = ((h ^ c) * 16777619) & 0xffffffff
    assert h % 100 == int(bucket), (mac, bucket, h % 100)
' || fail "buckets do not follow the documented hash"
jq -r 'select(.event == "request") | "\(.mac) \(.bucket)"' \
    "$T/canary.json" | sort -u >"$T/buckets1"
stop_serve canary
start_serve canary2 -l 127.51.200.2:8080 --percent 50 "$T/canary.bin"
for _ in $(seq 50); do
	[ "$(json_count "$T/canary2.json" '.event == "request"')" -ge 24 ] &&
		break
	sleep 0.1
done
jq -r 'select(.event == "request") | "\(.mac) \(.bucket)"' \
    "$T/canary2.json" | sort -u >"$T/buckets2"
cmp -s "$T/buckets1" "$T/buckets2" || fail "buckets changed with a restart"
[ "$(jq -rs '[.[] | select(.event == "request" and .status == 200)] |
    length' "$T/canary2.json")" = 0 ] || fail "a second offer after restart"
stop_serve canary2

# (5) HTTP Basic auth (any user name), setup and usage errors
printf 'serve-pw\n' >"$T/spw.txt"
start_serve auth -l 127.51.200.3:8080 --password-file "$T/spw.txt" \
    "$T/app.bin"
python3 <<'EOF' || fail "basic auth"
import base64, urllib.request, urllib.error
def get(cred):
    h = {"User-Agent": "ESP32-http-Update",
         "x-ESP32-STA-MAC": "24:0A:C4:00:00:09", "x-ESP32-mode": "sketch"}
    if cred:
        h["Authorization"] = "Basic " + base64.b64encode(cred).decode()
    try:
        return urllib.request.urlopen(urllib.request.Request(
            "http://127.51.200.3:8080/", headers=h), timeout=5).status
    except urllib.error.HTTPError as e:
        assert e.code != 401 or "Basic" in e.headers["WWW-Authenticate"]
        return e.code
assert get(None) == 401
assert get(b"admin:wrong") == 401
assert get(b"anyone:serve-pw") == 200
EOF
jq -se '[.[] | select(.event == "request") | .status] == [401, 401, 200]' \
    "$T/auth.json" >/dev/null || fail "auth events"
grep -qF 'serve-pw' "$T/auth.json" "$T/auth.err" &&
	fail "the password is in the output"
stop_serve auth

serve_rc() { # WANT WHAT ARGS...
	local want=$1 what=$2 rc
	shift 2
	set +e
	timeout 10 "$ESPFLEET" serve "$@" >/dev/null 2>"$T/rc.err"
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "serve $what: exit $rc, not $want"
}
serve_rc 2 "without an image"
serve_rc 2 "with two images" "$T/app.bin" "$T/fs.bin"
serve_rc 2 "with --percent 101" --percent 101 "$T/app.bin"
serve_rc 2 "with a password argument" --password=x "$T/app.bin"
grep -q 'passwords are not taken as arguments' "$T/rc.err" ||
	fail "password argument message"
# bad --listen values: exit 2 with a message naming the problem
bad_listen() { # VALUE MESSAGE
	serve_rc 2 "--listen '$1'" -l "$1" "$T/app.bin"
	grep -qF "espfleet serve: --listen: $2" "$T/rc.err" &&
	    grep -qF "Try 'espfleet serve --help'." "$T/rc.err" ||
		fail "--listen '$1': $(cat "$T/rc.err")"
}
bad_listen 127.0.0.1 "'127.0.0.1' has no port (use ADDR:PORT, [IPv6]:PORT"
bad_listen '[::1]' "'[::1]' has no port"
bad_listen '[::1]:' "'[::1]:' has no port"
bad_listen '::1' "'::1': an IPv6 address needs brackets"
bad_listen '::1:80' "'::1:80': an IPv6 address needs brackets"
bad_listen '[::1' "'[::1' has no ']' after the IPv6 address"
bad_listen '[]:80' "'[]:80' has empty brackets"
bad_listen '[::1]80' "'[::1]80' has '8' after ']', not ':'"
bad_listen "$(printf '1%.0s' $(seq 60)):80" "the address in '111111"
bad_listen 127.0.0.1:65536 "'65536' is not a number from 0 to 65535"
bad_listen 1.2.3:80 "'1.2.3' is not an IP address"
serve_rc 3 "with a missing image" -l 127.51.200.4:8080 "$T/nothing.bin"
serve_rc 3 "with a non-ESP image" -l 127.51.200.4:8080 "$T/fs.bin"
start_serve busy -l 127.51.200.4:8080 "$T/app.bin"
serve_rc 3 "on a port in use" -l 127.51.200.4:8080 "$T/app.bin"
grep -q "cannot listen on 127.51.200.4:8080: Address already in use" \
    "$T/rc.err" || fail "port in use message: $(cat "$T/rc.err")"
stop_serve busy

# (6) port 0: the port the system picked is reported (JSON and the human
# line), and the server answers there
start_serve port0 -l 127.51.200.5:0 "$T/app.bin"
where=$(jq -r 'select(.event == "listening") | .listen' "$T/port0.json")
[[ $where =~ ^127\.51\.200\.5:[1-9][0-9]*$ ]] ||
	fail "port 0: listening on '$where'"
python3 - "$where" <<'EOF' || fail "nothing answers on $where"
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen("http://%s/" % sys.argv[1], timeout=5)
    sys.exit("not refused")
except urllib.error.HTTPError as e:
    assert e.code == 403, e.code
EOF
stop_serve port0
"$ESPFLEET" serve -l 127.51.200.5:0 "$T/app.bin" >"$T/port0.out" \
    2>"$T/port0.err" &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
for _ in $(seq 100); do
	grep -q ' on 127\.51\.200\.5:' "$T/port0.out" 2>/dev/null && break
	sleep 0.1
done
grep -Eq ' on 127\.51\.200\.5:[1-9][0-9]*$' "$T/port0.out" ||
	fail "port 0, human line: $(cat "$T/port0.out" "$T/port0.err")"
kill -TERM "$SERVE_PID"
for _ in $(seq 50); do
	kill -0 "$SERVE_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$SERVE_PID" 2>/dev/null && fail "serve port0 ignored SIGTERM"
wait "$SERVE_PID" || fail "serve port0 (human) exited $?"
echo "serve-pull: ok"
