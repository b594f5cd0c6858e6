# SPDX-License-Identifier: MIT
# A device that accepts the image and then boots its previous one
# (--fault boot-old): without mDNS nothing can verify the reboot, so the push
# reports success (exit 0, results not verified), but the device still runs
# its factory image after the reboot while its neighbours run the new one.
. "$(dirname "$0")/lib.sh"

start_sim fleet --devices 3 --addr-base 127.37.0.1 --fault boot-old:2 -v
for k in 1 2 3; do
	cp "$T/fleet/sim-000$k/running.bin" "$T/factory$k.bin"
done
mkimage "$T/app.bin" 80000 -s 100
"$ESPFLEET" push --json "$T/app.bin" $(addrs 127.37.0.1 3) >"$T/push.json" \
    2>"$T/push.err" || fail "push exited $?: $(cat "$T/push.err")"
[ "$(json_count "$T/push.json" '.event == "result" and .ok and
    .verified != true and (.verification == null or
    .verification == "unverified")')" = 3 ] ||
	fail "not 3 ok, unverified results: $(jq -c 'select(.event == "result")' \
	    "$T/push.json")"
jq -se '[.[] | select(.event == "summary")] | length == 1 and
    (.[0] | .ok == 3 and .failed == 0)' "$T/push.json" >/dev/null ||
	fail "summary"
for k in 1 2 3; do
	wait_boot_count fleet "sim-000$k" 2
done
sleep 0.3 # a (wrong) second reboot would show in boot_count
md5() { md5sum <"$1" | cut -d' ' -f1; }
for k in 1 3; do
	cmp -s "$T/app.bin" "$T/fleet/sim-000$k/running.bin" ||
		fail "sim-000$k does not run the new image"
	[ "$(device_field fleet "sim-000$k" running_md5)" = "$(md5 "$T/app.bin")" ] ||
		fail "sim-000$k device.json"
	[ "$(device_field fleet "sim-000$k" boot_count)" = 2 ] ||
		fail "sim-000$k boot count"
done
cmp -s "$T/factory2.bin" "$T/fleet/sim-0002/running.bin" ||
	fail "sim-0002 does not run its factory image"
[ "$(device_field fleet sim-0002 running_md5)" = "$(md5 "$T/factory2.bin")" ] ||
	fail "sim-0002 device.json"
[ "$(device_field fleet sim-0002 boot_count)" = 2 ] || fail "sim-0002 boot count"
[ "$(device_field fleet sim-0002 version)" = factory ] || fail "sim-0002 version"
grep -q 'sim-0002: fault boot-old: booting the previous image' "$T/fleet.err" ||
	fail "the boot-old fault did not act"
grep -q 'sim-000[13]: fault boot-old' "$T/fleet.err" &&
	fail "boot-old acted on another device"
echo "boot-old: ok"
