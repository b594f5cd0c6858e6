# SPDX-License-Identifier: MIT
# push --all/--match/--board/--dry-run with verification: a 300-device
# --mdns fleet all verified; boot-old devices verify-failed and a gone one
# not-back (exit 1); up-to-date or full devices skipped, not failed; a
# password-protected device without a password: exit 3, nothing sent; no
# match: exit 4. Skips (77) without avahi-daemon. Covers verify.c, cmd-push.c.
. "$(dirname "$0")/lib.sh"

skip_without_avahi mdns-push-all

P=pa$$
N=300
md5() { md5sum <"$1" | cut -d' ' -f1; }
result() {   # FILE NAME: the result event of NAME
	jq -c "select(.event == \"result\" and .name == \"$2\")" "$1"
}

# --- every device of a 300-device fleet, verified ---
start_sim big --mdns --devices $N --addr-base 127.61.0.1 --name-prefix "$P-"
wait_listed "$P-" $N
mkimage "$T/app.bin" 60000 -s 11
# --all takes whatever the daemon knows: only when it knows our fleet alone
# (another publisher on a shared daemon would become a target too)
sel=(--all)
if [ "$(json_count "$T/listed.json" '.event == "device"')" != $N ]; then
	note "other devices are advertised on this avahi-daemon: --match" \
	    "instead of --all"
	sel=(--match "$P-*")
fi
"$ESPFLEET" push --json "${sel[@]}" "$T/app.bin" >"$T/all.json" \
    2>"$T/all.err" || fail "push ${sel[*]} exited $?: $(tail -3 "$T/all.err")"
[ "$(json_count "$T/all.json" '.event == "result" and .ok and
    .verified == true and .verification == "verified"')" = $N ] ||
	fail "not $N verified results: $(jq -c 'select(.event == "result" and
	    .verified != true)' "$T/all.json" | head -3)"
jq -se "[.[] | select(.event == \"summary\")][0] |
    .ok == $N and .failed == 0 and .skipped == 0" "$T/all.json" \
    >/dev/null || fail "summary of the fleet push"
for k in 0001 0150 0300; do
	cmp -s "$T/app.bin" "$T/big/$P-$k/running.bin" ||
		fail "$P-$k does not run the image"
done

# now they all run it: a dry run skips them all, nothing is sent
"$ESPFLEET" push --dry-run --json --match "$P-*" "$T/app.bin" \
    >"$T/dry.json" || fail "dry run exited $?"
[ "$(json_count "$T/dry.json" '.event == "plan" and .action == "skip" and
    (.reason | test("already running this image"))')" = $N ] ||
	fail "dry run does not skip the up-to-date devices"
[ "$(json_count "$T/dry.json" '.event == "result"')" = 0 ] ||
	fail "a dry run pushed"
boots=$(device_field big "$P-0001" boot_count)
stop_pid "$SIM_PID"

# --- faults: boot-old, gone (never back), no-space; --board, --match ---
F=pf$$
start_sim faults --mdns --devices 12 --addr-base 127.61.2.1 \
    --name-prefix "$F-" --board d1_mini \
    --fault boot-old:5,9 --fault gone:7 --fault no-space:3
wait_listed "$F-" 12
# --board alone selects by TXT board; with --match both must hold
"$ESPFLEET" push --dry-run --json --board d1_mini --match "$F-001*" \
    "$T/app.bin" >"$T/sel.json" || fail "dry run --board --match"
[ "$(json_count "$T/sel.json" '.event == "plan"')" = 3 ] ||
	fail "--board d1_mini --match $F-001* is not 3 devices"
rc=0
"$ESPFLEET" push --dry-run --board no-such-board --match "$F-*" \
    "$T/app.bin" >/dev/null 2>&1 || rc=$?
[ "$rc" = 4 ] || fail "an empty selection exited $rc (want 4)"
# the real push
rc=0
"$ESPFLEET" push --json --match "$F-*" --verify-timeout 6 "$T/app.bin" \
    >"$T/faults.json" 2>"$T/faults.err" || rc=$?
[ "$rc" = 1 ] || fail "push with faults exited $rc (want 1)"
for k in 05 09; do
	result "$T/faults.json" "$F-00$k" | jq -e '.ok == false and
	    .error == "verify-failed" and .verified == false and
	    (.message | test("previous firmware"))' >/dev/null ||
		fail "$F-00$k: $(result "$T/faults.json" "$F-00$k")"
done
result "$T/faults.json" "$F-0007" | jq -e '.ok == false and
    .error == "not-back"' >/dev/null ||
	fail "$F-0007: $(result "$T/faults.json" "$F-0007")"
result "$T/faults.json" "$F-0003" | jq -e '.ok and .skipped and
    (.message | test("not enough free space"))' >/dev/null ||
	fail "$F-0003: $(result "$T/faults.json" "$F-0003")"
for k in 01 02 04 06 08 10 11 12; do
	result "$T/faults.json" "$F-00$k" | jq -e '.ok and .verified == true' \
	    >/dev/null || fail "$F-00$k: $(result "$T/faults.json" "$F-00$k")"
done
jq -se '[.[] | select(.event == "summary")][0] | .ok == 8 and
    .failed == 3 and .skipped == 1 and .errors["verify-failed"] == 2 and
    .errors["not-back"] == 1' "$T/faults.json" >/dev/null ||
	fail "summary: $(jq -c 'select(.event == "summary")' "$T/faults.json")"
[ "$(device_field faults "$F-0005" running_md5)" != "$(md5 "$T/app.bin")" ] ||
	fail "$F-0005 should run its old image"
# --no-verify: an OK is enough
mkimage "$T/app2.bin" 40000 -s 12
"$ESPFLEET" push --json --no-verify --match "$F-0001" "$T/app2.bin" \
    >"$T/nv.json" || fail "--no-verify push exited $?"
result "$T/nv.json" "$F-0001" | jq -e '.ok and .verified == null' \
    >/dev/null || fail "--no-verify: $(result "$T/nv.json" "$F-0001")"
stop_pid "$SIM_PID"

# --- a device that wants a password: nothing is sent without one ---
A=pw$$
echo "s3cret-$$" >"$T/pw"
start_sim auth --mdns --devices 2 --addr-base 127.61.3.1 --name-prefix "$A-" \
    --password-file "$T/pw"
wait_listed "$A-" 2
rc=0
env -u ESPFLEET_PASSWORD "$ESPFLEET" push --match "$A-*" "$T/app.bin" \
    >"$T/auth.out" 2>"$T/auth.err" || rc=$?
[ "$rc" = 3 ] || fail "no password exited $rc (want 3)"
grep -q "requires a password (auth_upload=yes)" "$T/auth.err" ||
	fail "message: $(cat "$T/auth.err")"
grep -q starting "$T/auth.out" && fail "a device was contacted"
[ "$(device_field auth "$A-0001" boot_count)" = 1 ] ||
	fail "a device was updated without a password"
ESPFLEET_PASSWORD="s3cret-$$" "$ESPFLEET" push --json --match "$A-*" \
    "$T/app.bin" >"$T/auth.json" 2>"$T/auth.err" ||
	fail "push with the password exited $?: $(cat "$T/auth.err")"
[ "$(json_count "$T/auth.json" '.event == "result" and .verified == true')" \
    = 2 ] || fail "not 2 verified with the password"

# --- nothing selected: exit 4 ---
rc=0
"$ESPFLEET" push --match "nothing-here-$$-*" "$T/app.bin" >/dev/null 2>&1 ||
	rc=$?
[ "$rc" = 4 ] || fail "no match exited $rc (want 4)"
[ "$boots" -ge 2 ] || fail "boot count of the fleet push"
echo "mdns-push-all: ok"
