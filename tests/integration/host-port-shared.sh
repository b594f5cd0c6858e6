# SPDX-License-Identifier: MIT
# --host-port P shared (issue 11 item 6): two devices behind one IP
# address (two espfleet-sim on 127.183.0.1, UDP ports 8266 and 8267) are
# both updated in one attempt each: the second invitation waits until the
# first device connected back, since a connection tells only its address
# (was: the second failed with "another upload ... is already waiting" and
# needed a retry); an IPv6 device ([::1], a scripted fake) connects back
# to P as well as IPv4 devices do in the same push (was: the listener was
# IPv4 only, the IPv6 device's connection was refused and the push blamed
# a firewall).
# In a network namespace of its own: P is free there.
EFL_UNSHARE="-n"
. "$(dirname "$0")/lib.sh"
ip link set lo up
port=40183

start_sim a --devices 1 --addr-base 127.183.0.1 -p 8266 --rate 400K
start_sim b --devices 1 --addr-base 127.183.0.1 -p 8267 --rate 400K
start_sim c --devices 1 --addr-base 127.183.0.2
mkimage "$T/app.bin" 300000 -s 183

python3 "$EFL_TESTS/tools/espota-hostile-device.py" --addr ::1 \
    --behaviour ok --timeout 30 >"$T/v6.out" 2>"$T/v6.err" &
PIDS+=("$!")
for _ in $(seq 100); do
	grep -q ready "$T/v6.out" 2>/dev/null && break
	sleep 0.1
done
grep -q ready "$T/v6.out" || fail "IPv6 fake device: $(cat "$T/v6.err")"

set +e
"$ESPFLEET" push -v --json --no-verify -r 0 -t 5 --host-port "$port" \
    "$T/app.bin" 127.183.0.1:8266 127.183.0.1:8267 127.183.0.2 \
    '[::1]:8266' >"$T/push.json" 2>"$T/push.err"
rc=$?
set -e
[ "$rc" = 0 ] || fail "push exited $rc: $(jq -c 'select(.event ==
    "result") | [.target, .error, .message]' "$T/push.json")"
[ "$(json_count "$T/push.json" '.event == "result" and .ok and
    .attempts == 1')" = 4 ] || fail "not 4 ok results at the first attempt"
[ "$(grep -c "> invitation '0 $port 300000 " "$T/push.err")" = 4 ] ||
	fail "not 4 invitations naming port $port"
grep -q 'waits for its connect-back on port' "$T/push.err" ||
	fail "no upload waited for its turn on the shared port"
wait_boot_count a sim-0001 2
wait_boot_count b sim-0001 2
wait_boot_count c sim-0001 2
for s in a b c; do
	cmp -s "$T/app.bin" "$T/$s/sim-0001/running.bin" ||
		fail "sim $s does not run the image"
done
for _ in $(seq 50); do
	grep -q 'took' "$T/v6.out" && break
	sleep 0.1
done
grep -q 'took 300000 bytes' "$T/v6.out" ||
	fail "IPv6 device: $(cat "$T/v6.out" "$T/v6.err")"
echo "host-port-shared: ok"
