# SPDX-License-Identifier: MIT
# espfleet keeps more than one chunk in flight: seen from the simulator,
# image bytes beyond the first chunk (espota's 1460 bytes) have already
# arrived when the device sends its first count. The simulated flash takes
# 80 KiB/s, 4 KiB per read, so the device reads slower than espfleet sends.
# For contrast (with python3), a stop-and-wait uploader (one 1024-byte
# chunk, then wait for the count) leaves nothing waiting.
. "$(dirname "$0")/lib.sh"

start_sim fleet --devices 1 --addr-base 127.32.0.1 --rate 81920
mkimage "$T/app.bin" 262144 -s 50
"$ESPFLEET" push --json "$T/app.bin" 127.32.0.1 >"$T/push.json" ||
	fail "push exited $?"
jq -se '[.[] | select(.event == "result")] | length == 1 and
    (.[0] | .ok and .bytes == 262144)' "$T/push.json" >/dev/null ||
	fail "result: $(jq -c 'select(.event == "result")' "$T/push.json")"
wait_boot_count fleet sim-0001 2
cmp -s "$T/app.bin" "$T/fleet/sim-0001/running.bin" || fail "image"

lt() { device_field fleet sim-0001 "last_transfer.$1"; }
first=$(lt first_read)
queued=$(lt queued_at_first_ack)
note "first read $first bytes, $queued more waiting at the first count, $(lt acks) counts"
[ "$(lt bytes)" = 262144 ] || fail "last_transfer.bytes $(lt bytes)"
[ "$first" -gt 0 ] && [ "$first" -le 4096 ] ||
	fail "first read of $first bytes (the rate model reads <= 4096)"
[ "$queued" -gt 0 ] ||
	fail "nothing beyond the first read had arrived at the first count"
[ $((first + queued)) -gt 1460 ] ||
	fail "only $((first + queued)) bytes in flight at the first count"
# 4 KiB per read at most: at least 64 counts for 256 KiB
[ "$(lt acks)" -ge 64 ] || fail "only $(lt acks) counts"

# contrast: a stop-and-wait uploader has nothing queued at the first count
if [ -x /usr/bin/python3 ]; then
	printf 'contrast-pw\n' >"$T/pw"
	start_sim sw --devices 1 --addr-base 127.32.1.1 --rate 81920 \
	    --chip esp32 --auth sha256 --password-file "$T/pw"
	mkimage "$T/small.bin" 32768 -s 51
	/usr/bin/python3 "$EFL_TESTS/tools/espota-sha256-client.py" \
	    -i 127.32.1.1 -p 8266 -a contrast-pw -f "$T/small.bin" \
	    2>"$T/sw.err" || fail "stop-and-wait upload: $(cat "$T/sw.err")"
	wait_boot_count sw sim-0001 2
	cmp -s "$T/small.bin" "$T/sw/sim-0001/running.bin" ||
		fail "stop-and-wait image"
	[ "$(device_field sw sim-0001 last_transfer.queued_at_first_ack)" = 0 ] ||
		fail "stop-and-wait: bytes queued at the first count"
	[ "$(device_field sw sim-0001 last_transfer.first_read)" -le 1024 ] ||
		fail "stop-and-wait: first read larger than a chunk"
else
	note "no /usr/bin/python3: stop-and-wait contrast skipped"
fi
echo "push-pipelined: ok"
