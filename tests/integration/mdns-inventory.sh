# SPDX-License-Identifier: MIT
# An inventory started from mDNS and used with it: discover
# --inventory-out writes the devices found (name, advertised address and
# port, espota, TXT board) in the inventory format; push --inventory reads
# that file back, and its devices are verified after the update by
# address and port; with --all, mDNS says which of them already run the
# image (skipped, nothing sent) while a device of the inventory that mDNS
# does not know is still pushed; an inventory's device is verified at its
# address whatever mDNS calls it; an --inventory-out that cannot be
# written is exit 3 after the listing. Skips (77) without avahi-daemon.
# Covers cmd-discover.c (--inventory-out) and push --inventory --all.
. "$(dirname "$0")/lib.sh"

skip_without_avahi mdns-inventory
P=mi$$
start_sim fleet --mdns --devices 3 --addr-base 127.163.0.1 \
    --name-prefix "$P-" --board d1_mini
start_sim quiet --devices 1 --addr-base 127.163.1.1 --name-prefix "$P-q"
wait_listed "$P-" 3
mkimage "$T/app.bin" 60000 -s 164
mkimage "$T/app2.bin" 50000 -s 165

# (1) the devices found, as an inventory
"$ESPFLEET" discover --inventory-out "$T/found.json" --json \
    >"$T/d.json" 2>"$T/d.err" || fail "discover exited $?: $(cat "$T/d.err")"
jq -e '.version == 1 and (.devices | type) == "array" and
    (.groups == null)' "$T/found.json" >/dev/null ||
	fail "not an inventory: $(cat "$T/found.json")"
jq -S --arg p "$P-" '[.devices[] | select(.name | startswith($p))]' \
    "$T/found.json" >"$T/ours.json"
jq -sS --arg p "$P-" '[.[] | select(.event == "device" and
    (.name | startswith($p))) | {name, address: .addr, port,
    transport: "espota", board: .txt.board}] | sort_by(.name)' \
    "$T/d.json" >"$T/want.json"
[ "$(jq length "$T/want.json")" = 3 ] || fail "discover lists: $(cat "$T/d.json")"
cmp -s "$T/ours.json" "$T/want.json" ||
	fail "inventory: $(cat "$T/ours.json"), wanted $(cat "$T/want.json")"
# the names in order, one device a line
jq -r '.devices[].name' "$T/found.json" >"$T/names"
sort -c "$T/names" || fail "not sorted by name"

# (2) pushed from that file, verified over mDNS by address and port
"$ESPFLEET" push --inventory "$T/found.json" --match "$P-*" --json \
    --verify-timeout 20 "$T/app.bin" >"$T/p1.json" 2>"$T/p1.err" ||
	fail "push exited $?: $(cat "$T/p1.err")"
[ "$(json_count "$T/p1.json" '.event == "result" and .ok and
    .verified == true and .verification == "verified"')" = 3 ] ||
	fail "not 3 verified: $(jq -c 'select(.event == "result")' \
	    "$T/p1.json")"
for k in 1 2 3; do
	wait_boot_count fleet "$P-000$k" 2
done

# (3) --all: mDNS says they run app.bin already; the quiet device, which
# mDNS does not know, is pushed all the same
jq --arg n "$P-q0001" '.devices += [{name: $n, address: "127.163.1.1",
    port: 8266, transport: "espota"}]' "$T/found.json" >"$T/more.json"
"$ESPFLEET" push --inventory "$T/more.json" --match "$P-*" --all --json \
    --verify-timeout 20 "$T/app.bin" >"$T/p2.json" 2>"$T/p2.err" ||
	fail "push --all exited $?: $(cat "$T/p2.err")"
[ "$(json_count "$T/p2.json" '.event == "result" and .skipped and
    (.message | startswith("already running this image"))')" = 3 ] ||
	fail "not 3 skipped: $(jq -c 'select(.event == "result")' \
	    "$T/p2.json")"
jq -se --arg n "$P-q0001" '[.[] | select(.event == "result" and
    .name == $n)] | length == 1 and .[0].ok and (.[0].skipped | not) and
    .[0].verification == "unverified"' "$T/p2.json" >/dev/null ||
	fail "the quiet device: $(jq -c 'select(.event == "result")' \
	    "$T/p2.json")"
wait_boot_count quiet "$P-q0001" 2
for k in 1 2 3; do
	[ "$(device_field fleet "$P-000$k" boot_count)" = 2 ] ||
		fail "$P-000$k was updated again"
done
# ... and with another image, the dry run plans them again
"$ESPFLEET" push --inventory "$T/found.json" --match "$P-*" --all \
    --dry-run --json "$T/app2.bin" >"$T/p3.json" 2>"$T/p3.err" ||
	fail "dry run exited $?: $(cat "$T/p3.err")"
[ "$(json_count "$T/p3.json" '.event == "plan" and
    .action == "update"')" = 3 ] || fail "plan: $(cat "$T/p3.json")"

# (4) an inventory's names need not be mDNS's: a device is verified where
# the inventory says it is (127.163.0.2), not as the device mDNS calls
# by that name (127.163.0.1, which is not updated)
jq -n --arg n "$P-0001" '{devices: [{name: $n, address: "127.163.0.2"}]}' \
    >"$T/renamed.json"
"$ESPFLEET" push --inventory "$T/renamed.json" --json --verify-timeout 10 \
    "$T/app2.bin" >"$T/p4.json" 2>"$T/p4.err" ||
	fail "push of a renamed device exited $?: $(cat "$T/p4.err")"
jq -se '[.[] | select(.event == "result")] | length == 1 and .[0].ok and
    .[0].verified == true and .[0].addr == "127.163.0.2"' "$T/p4.json" \
    >/dev/null || fail "renamed: $(jq -c 'select(.event == "result")' \
    "$T/p4.json")"
wait_boot_count fleet "$P-0002" 3
[ "$(device_field fleet "$P-0001" boot_count)" = 2 ] ||
	fail "$P-0001 was updated"

# (5) a file that cannot be written: the listing, then exit 3
rc=0
"$ESPFLEET" discover --inventory-out "$T/no/dir/inv.json" --json \
    >"$T/d2.json" 2>"$T/d2.err" || rc=$?
[ "$rc" = 3 ] || fail "unwritable --inventory-out: exit $rc"
grep -q "^espfleet discover: --inventory-out: cannot write '.*/no/dir/inv.json'" \
    "$T/d2.err" || fail "message: $(cat "$T/d2.err")"
[ "$(json_count "$T/d2.json" "(.event == \"device\") and
    (.name | startswith(\"$P-\"))")" = 3 ] || fail "no listing"
echo "mdns-inventory: ok"
