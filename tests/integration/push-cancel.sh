# SPDX-License-Identifier: MIT
# SIGINT during a push: every target gets a result, the run exits 1 with a
# summary. A device interrupted mid-transfer keeps its old image
# ("canceled"); one that had every byte when the signal came (an ESP8266
# waits a second before its OK) is reported as possibly updated, and the
# simulated device does apply the image.
. "$(dirname "$0")/lib.sh"

start_sim fleet --devices 2 --addr-base 127.44.0.1 --rate 409600
start_sim slow --devices 1 --addr-base 127.44.1.1 --rate 20480
mkimage "$T/app.bin" 65536 -s 53
old_slow=$(device_field slow sim-0001 running_md5)

"$ESPFLEET" push --json --no-verify "$T/app.bin" 127.44.0.1 127.44.1.1 \
    >"$T/push.json" 2>"$T/push.err" &
PUSH_PID=$!
PIDS+=("$PUSH_PID")
# wait until the fast device has every byte (state "finishing")
for _ in $(seq 100); do
	grep -q '"target":"127.44.0.1".*"state":"finishing"' "$T/push.json" &&
		break
	sleep 0.05
done
grep -q '"target":"127.44.0.1".*"state":"finishing"' "$T/push.json" ||
	fail "127.44.0.1 never reached finishing: $(cat "$T/push.json")"
kill -INT "$PUSH_PID"
set +e
wait "$PUSH_PID"
rc=$?
set -e
[ "$rc" = 1 ] || fail "interrupted push exited $rc, not 1"

res() { jq -c --arg t "$1" 'select(.event == "result" and .target == $t)' \
    "$T/push.json"; }
note "fast: $(res 127.44.0.1)"
note "slow: $(res 127.44.1.1)"
res 127.44.0.1 | jq -e '.ok == false and (.message |
    contains("received the whole image: whether it applies the update is unknown"))' \
    >/dev/null || fail "fast device: $(res 127.44.0.1)"
res 127.44.1.1 | jq -e '.ok == false and .message == "canceled"' >/dev/null ||
	fail "slow device: $(res 127.44.1.1)"
jq -se '[.[] | select(.event == "summary")] | length == 1 and
    .[0].failed == 2' "$T/push.json" >/dev/null || fail "summary"
# the fast device applies what it received; the slow one keeps its image
wait_boot_count fleet sim-0001 2
cmp -s "$T/app.bin" "$T/fleet/sim-0001/running.bin" || fail "fast image"
sleep 0.5
[ "$(device_field slow sim-0001 running_md5)" = "$old_slow" ] ||
	fail "the interrupted device changed its image"
[ "$(device_field slow sim-0001 boot_count)" = 1 ] || fail "slow rebooted"
echo "push-cancel: ok"
