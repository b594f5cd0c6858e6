# SPDX-License-Identifier: MIT
# A slow device whose counts trickle in: espfleet batches its wake-ups for
# counts of large images (SO_RCVLOWAT) but must never take a slow device for
# a silent one. At 32 KiB/s a 4 KiB count arrives every 0.125 s, a batch of
# counts takes about a second to gather; with -t 0.6 a push that only woke
# up for whole batches would fail with "stopped responding". (ESP32: its
# final OK comes at once, so the short timeout does not hit the OK delay.)
. "$(dirname "$0")/lib.sh"

start_sim slow --devices 1 --addr-base 127.41.0.1 --rate 32768 --chip esp32
mkimage "$T/img.bin" 262144 -s 41
"$ESPFLEET" push --json -t 0.6 -r 0 "$T/img.bin" 127.41.0.1 >"$T/push.json" ||
	fail "push to a slow device exited $?: $(jq -c 'select(.event == "result")' "$T/push.json")"
[ "$(json_count "$T/push.json" \
    '.event == "result" and .ok and .attempts == 1')" = 1 ] ||
	fail "not one clean attempt"
wait_boot_count slow sim-0001 2
cmp -s "$T/img.bin" "$T/slow/sim-0001/running.bin" || fail "image not running"
echo "push-slow: ok"
