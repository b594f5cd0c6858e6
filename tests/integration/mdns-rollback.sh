# SPDX-License-Identifier: MIT
# Confirmed boot over mDNS: a new image runs on trial until its application
# confirms it, and push verifies an agent device only then. A crash-loop
# device ends running its old image, push says rolled-back (the rejected
# MD5 in the message) within the verify timeout; an unhealthy one is rolled
# back at its trial deadline; a healthy one is verified after it confirmed,
# and not before (a verify timeout shorter than its confirmation: still on
# trial, verify-failed); an update pushed while on trial is refused. The
# device.json, discover's table and its JSON say the state. Skips (77)
# without avahi-daemon. Covers verify.c, txt.c, sim-app.c, the agent core.
. "$(dirname "$0")/lib.sh"

skip_without_avahi mdns-rollback

md5() { md5sum <"$1" | cut -d' ' -f1; }
result() {   # FILE NAME: the result event of NAME
	jq -c "select(.event == \"result\" and .name == \"$2\")" "$1"
}
# wait_image_state SIM DEVICE STATE: until device.json says STATE (<= 60 s)
wait_image_state() {
	for _ in $(seq 600); do
		[ "$(device_field "$1" "$2" image_state)" = "$3" ] && return 0
		sleep 0.1
	done
	fail "$2: image_state $(device_field "$1" "$2" image_state), not $3"
}

mkimage "$T/app.bin" 40000 -s 31
mkimage "$T/app2.bin" 40000 -s 32
APP=$(md5 "$T/app.bin")

# --- crash loop, unhealthy, healthy: one push, three outcomes ---
P=rb$$
start_sim fleet --mdns --devices 3 --addr-base 127.64.0.1 \
    --name-prefix "$P-" --confirm-after 2 --trial-deadline 4 \
    --fault crash-loop:1 --fault unhealthy:2 -v
wait_listed "$P-" 3
for k in 1 2 3; do
	d="$P-000$k"
	cp "$T/fleet/$d/running.bin" "$T/old$k.bin"
	[ "$(device_field fleet "$d" image_state)" = ok ] ||
		fail "$d is not ok before the push"
done
rc=0
"$ESPFLEET" push --json --verify-timeout 40 --match "$P-*" "$T/app.bin" \
    >"$T/p1.json" 2>"$T/p1.err" || rc=$?
[ "$rc" = 1 ] || fail "push exited $rc, not 1: $(tail -3 "$T/p1.err")"

# crash-loop: rolled back, the old image runs, the rejected MD5 said
r=$(result "$T/p1.json" "$P-0001")
OLD1=$(md5 "$T/old1.bin")
echo "$r" | jq -e --arg app "$APP" --arg old "$OLD1" '.ok == false and
    .error == "rolled-back" and .verified == false and
    .verification == "rolled-back" and (.message | contains($app)) and
    (.message | contains($old))' >/dev/null ||
	fail "crash-loop device: $r"
cmp -s "$T/fleet/$P-0001/running.bin" "$T/old1.bin" ||
	fail "$P-0001 does not run its old image"
[ "$(device_field fleet "$P-0001" image_state)" = rolled-back ] ||
	fail "$P-0001 device.json is not rolled-back"
[ "$(device_field fleet "$P-0001" rejected_md5)" = "$APP" ] ||
	fail "$P-0001 device.json does not name the rejected image"
[ "$(grep -c "$P-0001: fault crash-loop: the new image crashes" \
    "$T/fleet.err")" = 3 ] || fail "$P-0001 did not crash exactly 3 times"

# unhealthy: rolled back at the deadline
r=$(result "$T/p1.json" "$P-0002")
echo "$r" | jq -e --arg app "$APP" '.error == "rolled-back" and
    (.message | contains($app))' >/dev/null ||
	fail "unhealthy device: $r"
cmp -s "$T/fleet/$P-0002/running.bin" "$T/old2.bin" ||
	fail "$P-0002 does not run its old image"
grep -q "$P-0002: error UNCONFIRMED: not confirmed in time" \
    "$T/fleet.err" || fail "$P-0002 was not given up at its deadline"

# healthy: verified once it confirmed
r=$(result "$T/p1.json" "$P-0003")
echo "$r" | jq -e '.ok == true and .verified == true and
    .verification == "verified"' >/dev/null || fail "healthy device: $r"
grep -q "$P-0003: the new image is healthy: confirmed" "$T/fleet.err" ||
	fail "$P-0003 never confirmed"
[ "$(device_field fleet "$P-0003" image_state)" = ok ] ||
	fail "$P-0003 device.json is not ok"
cmp -s "$T/fleet/$P-0003/running.bin" "$T/app.bin" ||
	fail "$P-0003 does not run the new image"
jq -se '[.[] | select(.event == "summary")][0] | .ok == 1 and
    .failed == 2 and .errors["rolled-back"] == 2' "$T/p1.json" \
    >/dev/null || fail "summary: $(grep summary "$T/p1.json")"

# discover: the state column and the JSON fields
"$ESPFLEET" discover >"$T/table.txt" || fail "discover exited $?"
head -1 "$T/table.txt" | grep -q "FIRMWARE MD5 *STATE *VERSION" ||
	fail "no STATE column: $(head -1 "$T/table.txt")"
grep "^$P-0001 " "$T/table.txt" | grep -q " rolled-back " ||
	fail "discover: $P-0001 not rolled-back: $(grep "^$P-0001 " \
	    "$T/table.txt")"
grep "^$P-0003 " "$T/table.txt" | grep -q " ok " ||
	fail "discover: $P-0003 not ok"
"$ESPFLEET" discover --json >"$T/disc.json" || fail "discover --json"
jq -se --arg n "$P-0001" --arg app "$APP" '[.[] | select(.event ==
    "device" and .name == $n)][0] | .state == "rolled-back" and
    .rejected_md5 == $app and .txt.efa_state == "rolled-back" and
    .txt.efa_rejected == $app' "$T/disc.json" >/dev/null ||
	fail "discover --json: $(grep "\"$P-0001\"" "$T/disc.json")"
jq -se --arg n "$P-0003" '[.[] | select(.event == "device" and
    .name == $n)][0] | .state == "ok" and .rejected_md5 == null' \
    "$T/disc.json" >/dev/null || fail "discover --json: $P-0003"
stop_pid "$SIM_PID"

# --- not verified before the confirmation; updates refused meanwhile ---
S=rs$$
start_sim slow --mdns --devices 1 --addr-base 127.64.1.1 \
    --name-prefix "$S-" --confirm-after 15 -v
wait_listed "$S-" 1
rc=0
"$ESPFLEET" push --json --verify-timeout 6 --match "$S-*" "$T/app.bin" \
    >"$T/p2.json" 2>"$T/p2.err" || rc=$?
[ "$rc" = 1 ] || fail "push before the confirmation exited $rc"
r=$(result "$T/p2.json" "$S-0001")
echo "$r" | jq -e '.error == "verify-failed" and .verified == false and
    (.message | test("on trial.*efa_state=trial"))' >/dev/null ||
	fail "unconfirmed device: $r"
[ "$(device_field slow "$S-0001" image_state)" = trial ] ||
	fail "$S-0001 is not on trial any more after the push"
cmp -s "$T/slow/$S-0001/running.bin" "$T/app.bin" ||
	fail "$S-0001 does not run the new image"
# on trial it takes no update
rc=0
"$ESPFLEET" push --json --verify-timeout 6 --match "$S-*" "$T/app2.bin" \
    >"$T/p3.json" 2>"$T/p3.err" || rc=$?
[ "$rc" = 1 ] || fail "push during the trial exited $rc"
r=$(result "$T/p3.json" "$S-0001")
echo "$r" | jq -e '.error == "device-error" and
    (.message | contains("new firmware on trial, not confirmed yet"))' \
    >/dev/null || fail "push during the trial: $r"
# it confirms: ok over mDNS too
wait_image_state slow "$S-0001" ok
for _ in $(seq 40); do
	"$ESPFLEET" discover --json >"$T/disc2.json" 2>/dev/null || true
	jq -se --arg n "$S-0001" '[.[] | select(.event == "device" and
	    .name == $n)][0] | .state == "ok"' "$T/disc2.json" \
	    >/dev/null && break
	sleep 0.5
done
jq -se --arg n "$S-0001" '[.[] | select(.event == "device" and
    .name == $n)][0] | .state == "ok"' "$T/disc2.json" >/dev/null ||
	fail "$S-0001 is not advertised ok after it confirmed"
note "crash-loop and unhealthy rolled back, healthy verified after its" \
    "confirmation, not before"
