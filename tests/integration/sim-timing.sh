# SPDX-License-Identifier: MIT
# espfleet-sim keeps time like the firmware (docs/simulator.md): the flash
# time of a sector is spent when the sector is written, never earned while
# the device waits for data, and the round trip delays both directions. A
# stop-and-wait uploader (espota's way: 1024 bytes, then wait for the
# count) at 20 ms therefore takes at least chunk / (rtt + chunk / rate) per
# chunk: 1024 / 45 ms here, where a token bucket let it write during its
# round trips (1024 / 25 ms). espfleet cannot beat the flash rate. Only
# lower bounds, from the device's own clock (device.json): a loaded machine
# makes a transfer slower, never faster.
. "$(dirname "$0")/lib.sh"

RATE=40960
start_sim dev --devices 1 --addr-base 127.45.0.1 --chip esp32 \
    --rate "$RATE" --rtt-ms 20
mkimage "$T/a.bin" 65536 -s 45
mkimage "$T/b.bin" 65536 -s 46

"$ESPFLEET" push --json "$T/a.bin" 127.45.0.1 >"$T/push.json" ||
	fail "push exited $?"
wait_boot_count dev sim-0001 2
cmp -s "$T/a.bin" "$T/dev/sim-0001/running.bin" || fail "espfleet image"
lt() { device_field dev sim-0001 "last_transfer.$1"; }
s=$(lt seconds)
note "espfleet: $s s for 65536 bytes ($(lt acks) counts)"
awk -v s="$s" -v r="$RATE" 'BEGIN {exit !(s >= 0.99 * 65536 / r)}' ||
	fail "espfleet took $s s: faster than the flash ($RATE B/s)"
[ "$(lt bytes)" = 65536 ] || fail "last_transfer.bytes $(lt bytes)"

if [ ! -x /usr/bin/python3 ]; then
	note "no /usr/bin/python3: stop-and-wait part skipped"
	echo "sim-timing: ok"
	exit 0
fi
/usr/bin/python3 "$EFL_TESTS/tools/espota-sha256-client.py" -i 127.45.0.1 \
    -I 127.0.0.1 -p 8266 -f "$T/b.bin" 2>"$T/sw.err" ||
	fail "stop-and-wait upload: $(cat "$T/sw.err")"
wait_boot_count dev sim-0001 3
cmp -s "$T/b.bin" "$T/dev/sim-0001/running.bin" || fail "stop-and-wait image"
s=$(lt seconds)
note "stop-and-wait: $s s for 65536 bytes ($(lt acks) counts)"
[ "$(lt acks)" = 64 ] || fail "$(lt acks) counts for 64 chunks"
awk -v s="$s" -v r="$RATE" \
    'BEGIN {exit !(s >= 0.97 * 65536 / (1024 / (0.020 + 1024 / r)))}' ||
	fail "stop-and-wait took only $s s: flash time earned while waiting"
echo "sim-timing: ok"
