# SPDX-License-Identifier: MIT
# espfleet push to three password-less devices: every running.bin becomes
# the image, each device rebooted once, exit 0; JSON and plain output agree;
# a filesystem image (--fs) leaves the application alone.
. "$(dirname "$0")/lib.sh"

start_sim fleet --devices 3 --addr-base 127.21.0.1
mkimage "$T/app.bin" 300000 -s 7
"$ESPFLEET" push --json "$T/app.bin" $(addrs 127.21.0.1 3) >"$T/push.json" ||
	fail "push exited $?"
[ "$(json_count "$T/push.json" '.event == "result" and .ok')" = 3 ] ||
	fail "not 3 ok results"
jq -e 'select(.event == "summary") | .ok == 3 and .failed == 0' \
    "$T/push.json" >/dev/null || fail "summary"
# (jq -s: jq 1.6 -e judges only the last line, so a bad line before a good
# one would pass unnoticed)
[ "$(json_count "$T/push.json" '.v != 1 or (.event | type) != "string"')" \
    = 0 ] || fail "an object without v:1 and event"
for k in 1 2 3; do
	wait_boot_count fleet sim-000$k 2
	cmp -s "$T/app.bin" "$T/fleet/sim-000$k/running.bin" ||
		fail "sim-000$k runs something else"
done

# plain lines when stdout is not a terminal
mkimage "$T/app2.bin" 100000 -s 8
"$ESPFLEET" push "$T/app2.bin" 127.21.0.2 >"$T/plain.out" 2>"$T/plain.err" ||
	fail "second push"
grep -q '^127.21.0.2: ok: ' "$T/plain.out" || fail "plain result line"
grep -q '1 updated, 0 failed' "$T/plain.out" || fail "plain summary"
grep -q $'\033' "$T/plain.out" && fail "escape sequences in plain output"
wait_boot_count fleet sim-0002 3
cmp -s "$T/app2.bin" "$T/fleet/sim-0002/running.bin" || fail "second image"

# a filesystem image: accepted, application unchanged
mkimage "$T/fs.bin" 65536 -s 9 -m 0x00
"$ESPFLEET" push --fs "$T/fs.bin" 127.21.0.3 >/dev/null || fail "fs push"
wait_boot_count fleet sim-0003 3
cmp -s "$T/app.bin" "$T/fleet/sim-0003/running.bin" ||
	fail "an fs update changed the application"
echo "push-basic: ok"
