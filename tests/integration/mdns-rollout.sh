# SPDX-License-Identifier: MIT
# Staged rollouts with verification over mDNS. A bad image (every canary
# boots its old image, --fault boot-old): the push halts after the canary
# with exit 5, and the other devices received 0 bytes (their images
# unchanged). Resume: 40 agent devices, the push killed with SIGKILL in
# the middle of a wave, then the same command with the same --state: it
# completes, and every device was updated exactly once (the simulator's
# boot counts), those that finished just before the kill included. A soak
# (--wave-pause): a canary that crashes after it confirmed the image
# (--fault crash-after) fails its wave during the soak and halts the
# rollout; healthy, the next wave starts only after the pause. Skips
# (77) without avahi-daemon. Covers waves.c, push.c, push-state.c,
# verify.c.
. "$(dirname "$0")/lib.sh"

skip_without_avahi mdns-rollout

md5() { md5sum <"$1" | cut -d' ' -f1; }
mkimage "$T/app.bin" 30000 -s 51
APP=$(md5 "$T/app.bin")

# --- a bad image: the canaries boot their old image ---
P=rc$$
start_sim bad --mdns --devices 12 --addr-base 127.93.0.1 \
    --name-prefix "$P-" --fault boot-old:1-3
wait_listed "$P-" 12
for k in $(seq -w 1 12); do
	cp "$T/bad/$P-00$k/running.bin" "$T/old$k.bin"
done
rc=0
"$ESPFLEET" push --json --verify-timeout 30 --canary 3 --waves 50% \
    --match "$P-*" "$T/app.bin" >"$T/bad.json" 2>"$T/bad.err" || rc=$?
[ "$rc" = 5 ] || fail "bad image: exit $rc, not 5: $(tail -3 "$T/bad.err")"
[ "$(json_count "$T/bad.json" '.event == "result" and .wave == 0 and
    .error == "verify-failed"')" = 3 ] ||
	fail "canaries: $(jq -c 'select(.event == "result" and .wave == 0)' \
	    "$T/bad.json")"
[ "$(json_count "$T/bad.json" '.event == "result" and .error == "halted"
    and .bytes == 0')" = 9 ] || fail "not 9 halted"
for k in $(seq -w 4 12); do
	d=$P-00$k
	[ "$(device_field bad "$d" first_byte_at)" = null ] ||
		fail "$d received bytes after the canary failed"
	cmp -s "$T/bad/$d/running.bin" "$T/old$k.bin" ||
		fail "$d does not run its old image"
done
stop_pid "$SIM_PID"

# --- SIGKILL in the middle of a wave, then resumed ---
R=rr$$
N=40
start_sim fleet --mdns --devices $N --addr-base 127.93.1.1 \
    --name-prefix "$R-"
wait_listed "$R-" $N
push_cmd=("$ESPFLEET" push --json -j 4 --canary 2 --waves 25% \
    --verify-timeout 30 --state "$T/r.state" --match "$R-*" "$T/app.bin")
"${push_cmd[@]}" >"$T/r1.json" 2>"$T/r1.err" &
PUSH=$!
PIDS+=("$PUSH")
# wave 2 (28 devices) is under way: 6 of its verdicts are in
killed=0
for _ in $(seq 1200); do
	if [ "$(json_count "$T/r1.json" '.event == "result" and
	    .wave == 2' 2>/dev/null || echo 0)" -ge 6 ]; then
		kill -KILL "$PUSH"
		killed=1
		break
	fi
	kill -0 "$PUSH" 2>/dev/null || break
	sleep 0.1
done
wait "$PUSH" 2>/dev/null || true
[ "$killed" = 1 ] || fail "the push ended before it could be killed: \
$(tail -3 "$T/r1.err")"
jq -e '[.devices[] | select(.result == "verified")] | length >= 18' \
    "$T/r.state" >/dev/null ||
	fail "state after the kill: $(jq -c '[.devices[].result]' \
	    "$T/r.state")"
before=$(jq -r '[.devices[] | select(.result == "verified") | .name] |
    join(" ")' "$T/r.state")
note "killed with $(jq '[.devices[] | select(.result == "verified")] |
    length' "$T/r.state") verified, $(jq '[.devices[] | select(.result ==
    "sending")] | length' "$T/r.state") being sent"
# the same command again: it completes
"${push_cmd[@]}" >"$T/r2.json" 2>"$T/r2.err" ||
	fail "resumed push exited $?: $(tail -3 "$T/r2.err")"
for d in $before; do
	[ "$(json_count "$T/r2.json" ".event == \"result\" and
	    .name == \"$d\" and .bytes > 0")" = 0 ] ||
		fail "$d, verified before the kill, was sent the image again"
done
jq -e '.halted == false and all(.devices[]; .result == "verified" or
    .result == "skipped")' "$T/r.state" >/dev/null ||
	fail "state after the resume: $(jq -c '[.devices[].result]' \
	    "$T/r.state")"
# every device was updated exactly once: boot count 2 (its first boot,
# then the new image), and it runs the image
for k in $(seq 1 $N); do
	d=$(printf '%s-%04d' "$R" "$k")
	wait_boot_count fleet "$d" 2
done
sleep 0.5
for k in $(seq 1 $N); do
	d=$(printf '%s-%04d' "$R" "$k")
	[ "$(device_field fleet "$d" boot_count)" = 2 ] ||
		fail "$d booted $(device_field fleet "$d" boot_count) times"
	[ "$(device_field fleet "$d" running_md5)" = "$APP" ] ||
		fail "$d does not run the image"
done
stop_pid "$SIM_PID"

# --- the soak: a canary that crashes after its confirmation ---
S=rs$$
start_sim soak --mdns --devices 6 --addr-base 127.93.2.1 \
    --name-prefix "$S-" --fault crash-after=2500:2 -v
wait_listed "$S-" 6
rc=0
"$ESPFLEET" push --json --verify-timeout 30 --canary 2 --wave-pause 6 \
    --match "$S-*" "$T/app.bin" >"$T/s1.json" 2>"$T/s1.err" || rc=$?
[ "$rc" = 5 ] || fail "crash during the soak: exit $rc, not 5: \
$(tail -3 "$T/s1.err")"
grep -q "$S-0002: fault crash-after: the confirmed image crashes" \
    "$T/soak.err" || fail "the crash-after fault did not act"
jq -se --arg n "$S-0002" '[.[] | select(.event == "soak")] | length == 1
    and .[0].name == $n and .[0].wave == 0 and
    (.[0].message | test("during the soak"))' "$T/s1.json" >/dev/null ||
	fail "soak event: $(grep '"soak"' "$T/s1.json")"
jq -se '[.[] | select(.event == "summary")][0] | .failed == 1 and
    .ok == 1 and .halted == 4' "$T/s1.json" >/dev/null ||
	fail "summary after the soak: $(grep summary "$T/s1.json")"
for k in 3 4 5 6; do
	[ "$(device_field soak "$S-000$k" first_byte_at)" = null ] ||
		fail "$S-000$k received bytes after the failed soak"
done
# healthy (the fault fires once): the next wave waits for the pause
mkimage "$T/app2.bin" 30000 -s 52
"$ESPFLEET" push --json --verify-timeout 30 --canary 2 --wave-pause 3 \
    --match "$S-*" "$T/app2.bin" >"$T/s2.json" 2>"$T/s2.err" ||
	fail "healthy soak: exit $?: $(tail -3 "$T/s2.err")"
jq -se '[.[] | select(.event == "wave")] as $w |
    ($w | map(select(.index == 0 and .state == "end"))[0].end) as $e |
    ($w | map(select(.index == 1 and .state == "start"))[0].start) as $s |
    $s - $e >= 2.9' "$T/s2.json" >/dev/null ||
	fail "wave 1 did not wait for the pause: $(grep '"wave"' "$T/s2.json")"
[ "$(json_count "$T/s2.json" '.event == "result" and .verified == true')" \
    = 6 ] || fail "healthy soak: not 6 verified"
# verified means booted: every device of wave 1 took its first byte after
# both canaries booted the new image (the simulator's own clocks)
for k in 1 2 3 4 5 6; do
	jq -c --arg n "$S-000$k" '{name: $n, first: .first_byte_at,
	    boot: .boot_at}' "$T/soak/$S-000$k/device.json"
done >"$T/s2dev.json"
jq -se --arg c1 "$S-0001" --arg c2 "$S-0002" '
    (map(select(.name == $c1 or .name == $c2)) | map(.boot) | max) as $b |
    map(select(.name != $c1 and .name != $c2)) | all(.[]; .first > $b)' \
    "$T/s2dev.json" >/dev/null ||
	fail "a wave-1 device took bytes before the canaries booted: \
$(cat "$T/s2dev.json")"
note "bad canaries halt the rollout; a rollout killed mid-wave resumes" \
    "and updates every device exactly once"
