# SPDX-License-Identifier: MIT
# espfleet-sim --threads: the fleet split over several event loops behaves
# as one: every device answers on its address and updates, SIGUSR1 reaches
# the devices of every thread (update window), SIGTERM stops them all.
. "$(dirname "$0")/lib.sh"

start_sim fleet --devices 20 --threads 3 --addr-base 127.42.0.1 \
	--update-window 30
mkimage "$T/app.bin" 100000 -s 42
# the window is closed everywhere
set +e
"$ESPFLEET" push --json -r 0 "$T/app.bin" $(addrs 127.42.0.1 20) \
	>"$T/closed.json" 2>/dev/null
rc=$?
set -e
[ "$rc" = 1 ] || fail "push into closed windows exited $rc"
[ "$(json_count "$T/closed.json" '.event == "result" and (.message | test("update window closed"))')" = 20 ] ||
	fail "not every device refused with its window closed"
# one press opens the window on every thread's devices
kill -USR1 "$SIM_PID"
sleep 0.5
"$ESPFLEET" push --json "$T/app.bin" $(addrs 127.42.0.1 20) >"$T/open.json" ||
	fail "push after the button press exited $?"
[ "$(json_count "$T/open.json" '.event == "result" and .ok')" = 20 ] ||
	fail "not every device was updated"
for k in 0001 0007 0014 0020; do
	wait_boot_count fleet sim-$k 2
	cmp -s "$T/app.bin" "$T/fleet/sim-$k/running.bin" ||
		fail "sim-$k does not run the image"
done
# a clean stop of every thread
kill -TERM "$SIM_PID"
for _ in $(seq 100); do
	kill -0 "$SIM_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$SIM_PID" 2>/dev/null && fail "espfleet-sim did not stop on SIGTERM"
wait "$SIM_PID" || fail "espfleet-sim exited $? on SIGTERM"
echo "sim-threads: ok"
