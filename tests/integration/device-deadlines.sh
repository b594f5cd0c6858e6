# SPDX-License-Identifier: MIT
# Deadlines a device cannot stretch (issue 11 items 2 and 13), against
# scripted fake devices (tests/tools/espota-hostile-device.py and
# hostile-update-page.py) that keep talking and never finish:
# - once every byte is acknowledged, the verdict is due within -t whatever
#   comes meanwhile: line ends, repeated counts, an HTTP body that never
#   ends (was: the push waited as long as the device went on);
# - --device-timeout bounds a whole attempt: a device that acknowledges a
#   byte every half second is cut (was: never);
# - a device that says OK (or an update page that answers success) after
#   1000 bytes of 300000 is transfer-failed with the bytes acknowledged
#   (was: ok with bytes 300000).
# In a network namespace of its own whose TCP buffers are small, as a
# device's window keeps them: an update page that reads slowly holds most
# of the image back.
EFL_UNSHARE="-n"
. "$(dirname "$0")/lib.sh"
ip link set lo up
sysctl -q -w net.ipv4.tcp_wmem="4096 16384 65536" \
    net.ipv4.tcp_rmem="4096 16384 65536" || fail "cannot set TCP buffers"

mkimage "$T/app.bin" 300000 -s 182

# fake NAME KIND ADDR ARGS...: start a fake device (KIND espota) or update
# page (KIND http) and wait until it listens
fake() {
	local name=$1 kind=$2 addr=$3 pid
	shift 3
	if [ "$kind" = espota ]; then
		python3 "$EFL_TESTS/tools/espota-hostile-device.py" \
		    --addr "$addr" --timeout 30 "$@" \
		    >"$T/$name.out" 2>"$T/$name.err" &
	else
		python3 "$EFL_TESTS/tools/hostile-update-page.py" "$addr" \
		    8080 "$@" >"$T/$name.out" 2>"$T/$name.err" &
	fi
	pid=$!
	PIDS+=("$pid")
	for _ in $(seq 100); do
		grep -q ready "$T/$name.out" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	fail "fake $name did not start: $(cat "$T/$name.err")"
}

# push_one NAME WANT_MESSAGE TARGET [OPTIONS...]: one push (-r 0) to the
# fake device; it fails as transfer-failed with a message containing
# WANT_MESSAGE, within 20 s (the fakes go on for 30 s)
push_one() {
	local name=$1 want=$2 target=$3 rc start
	shift 3
	start=$(date +%s)
	set +e
	timeout 25 "$ESPFLEET" push --json --no-verify -r 0 "$@" "$T/app.bin" \
	    "$target" >"$T/$name.json" 2>"$T/$name.perr"
	rc=$?
	set -e
	[ "$rc" = 1 ] || fail "$name: push exited $rc, not 1 (124: still \
waiting after 25 s): $(tail -3 "$T/$name.perr")"
	[ $(( $(date +%s) - start )) -le 20 ] || fail "$name: took over 20 s"
	result_is "$name" '.ok == false and .error == "transfer-failed" and
	    (.message | contains($want))' "$want"
}

# result_is NAME JQ [WANT]: the one result of push NAME satisfies JQ
# (with $want bound to WANT; jq -s: jq 1.6 -e judges the last line only)
result_is() {
	jq -se --arg want "${3:-}" "[.[] | select(.event == \"result\")] |
	    length == 1 and (.[0] | $2)" "$T/$1.json" >/dev/null ||
		fail "$1: $(jq -c 'select(.event == "result")' "$T/$1.json")"
}

# espota: the verdict after the last byte, whatever comes meanwhile
fake dribble espota 127.182.0.1 --behaviour dribble
push_one dribble "no result from the device within 2 s after the last \
byte (it sent other bytes meanwhile)" 127.182.0.1 -t 2
fake recount espota 127.182.0.2 --behaviour recount
push_one recount "no result from the device within 2 s after the last \
byte (it sent other bytes meanwhile)" 127.182.0.2 -t 2

# espota: a byte every half second, never silent for -t
fake trickle espota 127.182.0.3 --behaviour trickle
push_one trickle "not done within the device timeout of 4 s \
(--device-timeout): uploading" 127.182.0.3 -t 2 --device-timeout 4
result_is trickle '.bytes > 0 and .bytes < 300000'

# espota: OK after 1000 of 300000 bytes
fake early espota 127.182.0.4 --behaviour early-ok --early 1000
push_one early "device answered OK after acknowledging only 1000 of \
300000 bytes" 127.182.0.4 -t 2
result_is early '.bytes == 1000'

# http: a body that never ends, a page that reads a byte at a time, a
# success after 1000 bytes
fake endless http 127.182.0.5 endless
push_one endless "no result from the device within 2 s after the last \
byte (its answer did not end)" 127.182.0.5:8080 --via http -t 2
fake htrickle http 127.182.0.6 trickle
push_one htrickle "not done within the device timeout of 4 s \
(--device-timeout)" 127.182.0.6:8080 --via http -t 2 \
    --device-timeout 4
fake hearly http 127.182.0.7 early
# (the page closes with the rest of the body unread: curl may see the
# answer, or the connection reset first; either way not ok)
push_one hearly "" 127.182.0.7:8080 --via http -t 2
result_is hearly '.bytes < 300000 and (.message |
    test("^device answered success after only [0-9]+ of 300000 bytes") or
    startswith("connection lost"))'
echo "device-deadlines: ok"
