# SPDX-License-Identifier: MIT
# espfleet-sim survives a host that resets a connect-back connection in the
# middle of an upload (a killed push; tests/tools/reset-host.py): only that
# device's upload fails and it keeps its image; the simulator and the rest
# of its fleet go on, and the device takes the next push. Slow flash
# (--rate) and a Wi-Fi round trip (--rtt-ms) make the device write its
# counts after the reset has arrived.
. "$(dirname "$0")/lib.sh"

start_sim fleet --devices 3 --addr-base 127.77.0.1 --rate 200000 \
    --rtt-ms 20
mkimage "$T/app.bin" 400000 -s 77
MD5=$(md5sum <"$T/app.bin" | cut -d' ' -f1)
OLD=$(device_field fleet sim-0001 running_md5)

for round in 1 2; do
	python3 "$EFL_TESTS/tools/reset-host.py" 127.77.0.1 8266 127.77.1.1 \
	    "$T/app.bin" >"$T/reset$round.out" 2>"$T/reset$round.err" ||
		fail "reset host: $(cat "$T/reset$round.err")"
	# the device goes on writing its counts into the reset connection
	sleep 1
	kill -0 "$SIM_PID" 2>/dev/null ||
		fail "espfleet-sim died after a reset:" \
		    "$(tail -3 "$T/fleet.err")"
done
[ "$(device_field fleet sim-0001 boot_count)" = 1 ] ||
	fail "the reset upload rebooted sim-0001"
[ "$(device_field fleet sim-0001 last_error)" = "ABORTED: Aborted" ] ||
	fail "sim-0001 last_error: $(device_field fleet sim-0001 last_error)"
[ "$(device_field fleet sim-0001 running_md5)" = "$OLD" ] ||
	fail "sim-0001 does not run its old image"

# the whole fleet, sim-0001 too, takes the next push
"$ESPFLEET" push --json -t 10 "$T/app.bin" 127.77.0.1 127.77.0.2 \
    127.77.0.3 >"$T/push.json" 2>"$T/push.err" ||
	fail "push after the resets exited $?: $(cat "$T/push.err")"
for k in 0001 0002 0003; do
	wait_boot_count fleet "sim-$k" 2
	[ "$(device_field fleet "sim-$k" running_md5)" = "$MD5" ] ||
		fail "sim-$k does not run the new image"
done
kill -0 "$SIM_PID" 2>/dev/null || fail "espfleet-sim died"
echo "sim-reset: ok"
