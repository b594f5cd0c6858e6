# SPDX-License-Identifier: MIT
# Devices that accept updates only for a while after a button press
# (--update-window 2; SIGUSR1 presses every device's button): refused with
# device-error "update window closed" before the press, accepted after it,
# refused again once the 2 s have passed.
. "$(dirname "$0")/lib.sh"

start_sim fleet --devices 2 --addr-base 127.38.0.1 --update-window 2
SIM=$SIM_PID
mkimage "$T/app.bin" 30000 -s 110

# closed ADDR WHAT: a push to ADDR is refused because the window is closed
closed() {
	set +e
	"$ESPFLEET" push --json -t 3 "$T/app.bin" "$1" >"$T/c.json" 2>/dev/null
	rc=$?
	set -e
	[ "$rc" = 1 ] || fail "$2: push exited $rc, not 1"
	jq -se '[.[] | select(.event == "result")] | length == 1 and (.[0] |
	    .ok == false and .error == "device-error" and .attempts == 1 and
	    (.message | contains("update window closed")))' "$T/c.json" \
	    >/dev/null || fail "$2: $(jq -c 'select(.event == "result")' "$T/c.json")"
}

closed 127.38.0.1 "before the press"
[ "$(device_field fleet sim-0001 last_error)" = \
    "WINDOW: update window closed, arm the device first" ] ||
	fail "last_error $(device_field fleet sim-0001 last_error)"
[ "$(device_field fleet sim-0001 boot_count)" = 1 ] || fail "sim-0001 rebooted"

kill -USR1 "$SIM"
pressed=$(date +%s%N)
sleep 0.2
"$ESPFLEET" push --json -t 3 "$T/app.bin" 127.38.0.1 >"$T/ok.json" \
    2>"$T/ok.err" || fail "push after the press exited $?: $(cat "$T/ok.err")"
[ "$(json_count "$T/ok.json" '.event == "result" and .ok')" = 1 ] ||
	fail "push after the press: not ok"
wait_boot_count fleet sim-0001 2
cmp -s "$T/app.bin" "$T/fleet/sim-0001/running.bin" || fail "sim-0001 image"

# sim-0002 was armed by the same press; wait until its window has passed
while [ $(( ($(date +%s%N) - pressed) / 1000000 )) -lt 3000 ]; do
	sleep 0.1
done
closed 127.38.0.2 "after the window"
[ "$(device_field fleet sim-0002 boot_count)" = 1 ] || fail "sim-0002 rebooted"
cmp -s "$T/app.bin" "$T/fleet/sim-0002/running.bin" &&
	fail "sim-0002 took the image"

# a new press opens it again
kill -USR1 "$SIM"
sleep 0.2
"$ESPFLEET" push -t 3 "$T/app.bin" 127.38.0.2 >/dev/null 2>&1 ||
	fail "push after the second press"
wait_boot_count fleet sim-0002 2
cmp -s "$T/app.bin" "$T/fleet/sim-0002/running.bin" || fail "sim-0002 image"
echo "update-window: ok"
