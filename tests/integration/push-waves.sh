# SPDX-License-Identifier: MIT
# Staged rollouts against espfleet-sim (no mDNS): 60 devices with
# --canary 3 --waves 50%: no byte reaches a device of a later wave before
# every device of the earlier one has its verdict (the simulator's own
# first_byte_at against push's finished_at), waves planned 3, 29, 28 and
# told by wave events; canaries that fail: halt after the canary, exit 5,
# the others got 0 bytes; --max-failures 2 with 4 faulty devices in wave 2
# (-j 1): halts at the third failure, the rest halted; the state file:
# a halted rollout is not resumed without --resume-halted, a state of
# another image or policy is refused (exit 3); a dry run lists the waves;
# the summary table fits the terminal. Covers waves.c, push.c, push-state.c.
. "$(dirname "$0")/lib.sh"

mkimage "$T/app.bin" 30000 -s 41
mkimage "$T/other.bin" 30000 -s 42

# --- 60 devices: canary 3, then 50%, then the rest ---
start_sim fleet --devices 60 --addr-base 127.92.0.1
A=$(addrs 127.92.0.1 60)
"$ESPFLEET" push --dry-run --json --canary 3 --waves 50% "$T/app.bin" $A \
    >"$T/dry.json" || fail "dry run exited $?"
[ "$(json_count "$T/dry.json" '.event == "plan" and .wave == 0')" = 3 ] &&
[ "$(json_count "$T/dry.json" '.event == "plan" and .wave == 1')" = 29 ] &&
[ "$(json_count "$T/dry.json" '.event == "plan" and .wave == 2')" = 28 ] ||
	fail "dry run waves: $(jq -c 'select(.event == "plan") | .wave' \
	    "$T/dry.json" | sort | uniq -c | tr '\n' ' ')"
jq -se '[.[] | select(.event == "plan")][0:3] | map(.addr) ==
    ["127.92.0.1", "127.92.0.2", "127.92.0.3"]' "$T/dry.json" >/dev/null ||
	fail "the canaries are not the first three targets"
# --canary-match: the canaries by name (targets are named by address)
"$ESPFLEET" push --dry-run --json --canary-match '127.92.0.5?' \
    --waves 50% "$T/app.bin" $A >"$T/dry2.json" || fail "dry run 2: $?"
jq -se '[.[] | select(.event == "plan" and .wave == 0) | .addr] ==
    [range(50; 60) | "127.92.0.\(.)"]' "$T/dry2.json" >/dev/null ||
	fail "--canary-match: $(jq -c 'select(.wave == 0) | .addr' \
	    "$T/dry2.json" | tr '\n' ' ')"
[ "$(cat "$T"/fleet/sim-*/device.json | jq -s 'map(.first_byte_at) |
    map(select(. != null)) | length')" = 0 ] || fail "the dry run sent"

"$ESPFLEET" push --json --canary 3 --waves 50% -j 8 "$T/app.bin" $A \
    >"$T/w.json" 2>"$T/w.err" || fail "push exited $?: $(tail -3 "$T/w.err")"
jq -se '[.[] | select(.event == "summary")][0] | .ok == 60 and
    .failed == 0 and .halted == 0' "$T/w.json" >/dev/null ||
	fail "summary: $(grep summary "$T/w.json")"
for w in 0 1 2; do
	n=$(json_count "$T/w.json" ".event == \"wave\" and .index == $w")
	[ "$n" = 2 ] || fail "wave $w: $n wave events, not a start and an end"
done
jq -se '[.[] | select(.event == "wave" and .state == "end")] |
    map(.targets) == [3, 29, 28] and all(.[]; .ok == .targets and
    .failed == 0 and .end >= .start)' "$T/w.json" >/dev/null ||
	fail "wave end events: $(jq -c 'select(.event == "wave")' "$T/w.json")"
# every device's first byte against the verdicts of the wave before
for k in $(seq 1 60); do
	d=$(printf 'sim-%04d' "$k")
	jq -c --arg a "127.92.0.$k" '{addr: $a, first: .first_byte_at,
	    boot: .boot_at, boots: .boot_count}' "$T/fleet/$d/device.json"
done >"$T/devices.json"
jq -s --slurpfile dev "$T/devices.json" '
    [.[] | select(.event == "result")] as $res |
    ($dev | map({(.addr): .}) | add) as $d |
    [range(1; 3) as $w |
     ($res | map(select(.wave == $w - 1)) | map(.finished_at) | max) as
         $prev_end |
     $res[] | select(.wave == $w) |
     select($d[.addr].first == null or $d[.addr].first < $prev_end) |
     {wave: $w, addr, first: $d[.addr].first, prev_end: $prev_end}]' \
    "$T/w.json" >"$T/early.json"
[ "$(jq length "$T/early.json")" = 0 ] ||
	fail "bytes before the previous wave's verdicts: $(head -c 600 \
	    "$T/early.json")"
# and the verdicts of a wave come after its devices' first bytes
jq -se 'map(select(.event == "result")) | length == 60 and
    all(.[]; .finished_at != null and .wave != null)' "$T/w.json" \
    >/dev/null || fail "results without wave or finished_at"
stop_pid "$SIM_PID"

# --- canaries that fail: the others get nothing ---
start_sim bad --devices 12 --addr-base 127.92.1.1 --fault no-space:1-3
B=$(addrs 127.92.1.1 12)
rc=0
"$ESPFLEET" push --json --canary 3 --waves 50% "$T/app.bin" $B \
    >"$T/b.json" 2>"$T/b.err" || rc=$?
[ "$rc" = 5 ] || fail "failing canaries: exit $rc, not 5"
[ "$(json_count "$T/b.json" '.event == "result" and .error == "halted" and
    .ok == false and .skipped == true and .bytes == 0')" = 9 ] ||
	fail "not 9 halted results"
jq -se '[.[] | select(.event == "halt")] | length == 1 and
    (.[0].reason | test("allows none"))' "$T/b.json" >/dev/null ||
	fail "halt event: $(grep '"halt"' "$T/b.json")"
jq -se '[.[] | select(.event == "summary")][0] | .halted == 9 and
    .failed == 3 and (.halt_reason | length > 0)' "$T/b.json" >/dev/null ||
	fail "summary of the halted push"
for k in $(seq 4 12); do
	d=$(printf 'sim-%04d' "$k")
	[ "$(device_field bad "$d" first_byte_at)" = null ] ||
		fail "$d received bytes after the canary failed"
	[ "$(device_field bad "$d" boot_count)" = 1 ] || fail "$d rebooted"
done
stop_pid "$SIM_PID"

# --- --max-failures 2, four faulty devices in wave 2 ---
# 20 devices: canary 2, wave 1 = 9 (sim-0003..0011), wave 2 = 9
start_sim mf --devices 20 --addr-base 127.92.2.1 --fault no-space:13-16
M=$(addrs 127.92.2.1 20)
rc=0
"$ESPFLEET" push --json -j 1 --canary 2 --waves 50% --max-failures 2 \
    --state "$T/mf.state" "$T/app.bin" $M >"$T/m.json" 2>"$T/m.err" || rc=$?
[ "$rc" = 5 ] || fail "--max-failures 2: exit $rc, not 5"
jq -se '[.[] | select(.event == "result" and .ok == false and
    .skipped == false)] | map(.addr) == ["127.92.2.13", "127.92.2.14",
    "127.92.2.15"]' "$T/m.json" >/dev/null ||
	fail "failures: $(jq -c 'select(.event == "result" and .ok == false
	    and .skipped == false) | .addr' "$T/m.json" | tr '\n' ' ')"
jq -se '[.[] | select(.event == "result" and .error == "halted")] |
    map(.addr) == ["127.92.2.16", "127.92.2.17", "127.92.2.18",
    "127.92.2.19", "127.92.2.20"]' "$T/m.json" >/dev/null ||
	fail "halted: $(jq -c 'select(.event == "result" and
	    .error == "halted") | .addr' "$T/m.json" | tr '\n' ' ')"
jq -se '[.[] | select(.event == "halt")][0] | .failed == 3 and
    .halted == 5 and (.reason | test("3 devices failed, more than --max-failures 2"))' \
    "$T/m.json" >/dev/null || fail "halt: $(grep '"halt"' "$T/m.json")"
for k in 16 17 18 19 20; do
	[ "$(device_field mf "sim-00$k" first_byte_at)" = null ] ||
		fail "sim-00$k received bytes after the halt"
done
jq -e '.halted == true and ([.devices[] | select(.result == "halted")] |
    length == 5) and ([.devices[] | select(.result == "failed")] |
    length == 3)' "$T/mf.state" >/dev/null || fail "state file after halt"
# the halted rollout is not resumed by accident
rc=0
"$ESPFLEET" push --json -j 1 --canary 2 --waves 50% --max-failures 2 \
    --state "$T/mf.state" "$T/app.bin" $M >"$T/m2.json" 2>"$T/m2.err" ||
    rc=$?
[ "$rc" = 5 ] && grep -q -- '--resume-halted' "$T/m2.err" ||
	fail "resume of a halted rollout without --resume-halted: exit $rc"
# another image, another policy: refused, saying what differs
rc=0
"$ESPFLEET" push -j 1 --canary 2 --waves 50% --max-failures 2 \
    --state "$T/mf.state" "$T/other.bin" $M >/dev/null 2>"$T/m3.err" ||
    rc=$?
[ "$rc" = 3 ] && grep -q 'another image' "$T/m3.err" ||
	fail "state of another image: exit $rc: $(cat "$T/m3.err")"
rc=0
"$ESPFLEET" push -j 1 --canary 3 --waves 50% --max-failures 2 \
    --state "$T/mf.state" "$T/app.bin" $M >/dev/null 2>"$T/m4.err" ||
    rc=$?
[ "$rc" = 3 ] && grep -q 'another policy' "$T/m4.err" ||
	fail "state of another policy: exit $rc: $(cat "$T/m4.err")"
[ "$(device_field mf sim-0017 first_byte_at)" = null ] ||
	fail "a refused resume sent something"
# --restart: whatever the file says (a dry run: nothing is sent)
"$ESPFLEET" push --dry-run --json -j 1 --canary 2 --waves 50% \
    --max-failures 2 --state "$T/mf.state" --restart "$T/other.bin" $M \
    >"$T/m6.json" 2>"$T/m6.err" || fail "--restart: exit $?: $(cat "$T/m6.err")"
[ "$(json_count "$T/m6.json" '.event == "plan" and .action == "update"')" \
    = 20 ] || fail "--restart does not plan every device"
rc=0
"$ESPFLEET" push --dry-run -j 1 --canary 2 --waves 50% --max-failures 2 \
    --state "$T/mf.state" "$T/other.bin" $M >/dev/null 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "a dry run of another image without --restart: $rc"
# --resume-halted goes on with the halted ones only (the failed ones are
# not sent again, the updated ones neither); sim-0016 fails, within the
# threshold: exit 1
rc=0
"$ESPFLEET" push --json -j 1 --canary 2 --waves 50% --max-failures 2 \
    --state "$T/mf.state" --resume-halted "$T/app.bin" $M >"$T/m5.json" \
    2>"$T/m5.err" || rc=$?
[ "$rc" = 1 ] || fail "--resume-halted exited $rc: $(tail -2 "$T/m5.err")"
jq -se '[.[] | select(.event == "result" and .skipped == false)] |
    map(.addr) == ["127.92.2.16", "127.92.2.17", "127.92.2.18",
    "127.92.2.19", "127.92.2.20"]' "$T/m5.json" >/dev/null ||
	fail "--resume-halted sent to: $(jq -c 'select(.event == "result" and
	    .skipped == false) | .addr' "$T/m5.json" | tr '\n' ' ')"
for k in 01 05 11 17 20; do
	[ "$(device_field mf "sim-00$k" boot_count)" -le 2 ] ||
		fail "sim-00$k was updated twice"
done

# --- SIGINT during a soak ends the push at once (exit 1) ---
start_sim soak --devices 3 --addr-base 127.92.4.1
"$ESPFLEET" push --json --canary 1 --wave-pause 60 "$T/app.bin" \
    $(addrs 127.92.4.1 3) >"$T/soak.json" 2>"$T/soak.err" &
PUSH=$!
PIDS+=("$PUSH")
for _ in $(seq 300); do
	[ "$(json_count "$T/soak.json" '.event == "wave" and .state == "end"' \
	    2>/dev/null || echo 0)" = 1 ] && break
	sleep 0.1
done
end_with "$PUSH" INT 1 "push during a soak"
jq -se '[.[] | select(.event == "result" and .error == "canceled")] |
    length == 2' "$T/soak.json" >/dev/null ||
	fail "the devices after the soak are not canceled"
[ "$(device_field soak sim-0002 first_byte_at)" = null ] ||
	fail "a device of the next wave got bytes during the soak"

# --- the table fits the terminal (100 columns): long errors shortened ---
start_sim tty --devices 3 --addr-base 127.92.3.1 --fault no-space:2
if command -v script >/dev/null; then
	COLUMNS=100 script -qec "\"$ESPFLEET\" push --no-verify --canary 1 \
	    --max-failures 5 \"$T/app.bin\" $(addrs 127.92.3.1 3)" \
	    /dev/null >"$T/tty.txt" 2>&1 </dev/null || true
	sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/\r//g' "$T/tty.txt" >"$T/tty.plain"
	grep -q '^DEVICE  *WAVE  *RESULT' "$T/tty.plain" ||
		fail "no WAVE column: $(cat "$T/tty.plain")"
	long=$(awk 'length($0) > 100' "$T/tty.plain" | head -1)
	[ -z "$long" ] || fail "a line longer than 100 columns: $long"
	grep -q '\.\.\.$' "$T/tty.plain" || fail "no shortened error text"
fi
note "waves in order, halts after failing canaries and past" \
    "--max-failures, state refused and resumed"
