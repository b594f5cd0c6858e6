# SPDX-License-Identifier: MIT
# espfleet discover with a 300-device espfleet-sim --mdns: exactly those,
# with the right addresses and TXT values, in under 3 s; malformed TXT and
# services that never resolve or vanish mid-resolve are reported with a
# reason; no avahi-daemon reachable -> exit 3 within 2 s. Skips (77) without
# avahi-daemon. Covers src/discover/, cmd-discover.c, sim-mdns.c.
. "$(dirname "$0")/lib.sh"

: "${EFL_MDNS_PUB:?set by ctest}"
skip_without_avahi mdns-discover

P=md$$
N=300
now_ms() { date +%s%3N; }

# --- 300 devices, each under its own host name and address ---
start_sim fleet --mdns --devices $N --addr-base 127.60.0.1 \
    --name-prefix "$P-" --board d1_mini
# "ready" means committed; avahi needs about a second more to probe
for _ in $(seq 40); do
	"$ESPFLEET" discover --json >"$T/warm.json" || fail "discover exited $?"
	[ "$(json_count "$T/warm.json" "(.event == \"device\") and
	    (.name | startswith(\"$P-\"))")" = $N ] && break
	sleep 0.5
done
t0=$(now_ms)
"$ESPFLEET" discover --json >"$T/d.json" 2>"$T/d.err" ||
	fail "discover exited $?: $(cat "$T/d.err")"
t1=$(now_ms)
note "discover of $N devices took $((t1 - t0)) ms"
[ $((t1 - t0)) -lt 3000 ] || fail "discover took $((t1 - t0)) ms"
[ "$(json_count "$T/d.json" '.v != 1 or (.event | type) != "string"')" = 0 ] ||
	fail "an object without v:1 and event"
[ "$(json_count "$T/d.json" "(.event == \"device\") and
    (.name | startswith(\"$P-\"))")" = $N ] ||
	fail "not $N devices: $(json_count "$T/d.json" '.event == "device"')"
jq -se "[.[] | select(.event == \"device\" and (.name | startswith(\"$P-\")))
    | .name] | unique | length == $N" "$T/d.json" >/dev/null ||
	fail "a device listed twice"
jq -se '[.[] | select(.event == "summary")] | length == 1 and
    .[0].complete == true' "$T/d.json" >/dev/null || fail "summary"

# every device as the simulator says it is (device.json)
jq -s 'map({(.name): .}) | add' "$T"/fleet/"$P"-*/device.json \
    >"$T/truth.json"
jq -s --slurpfile truth "$T/truth.json" --arg p "$P-" '
    [ .[] | select(.event == "device" and (.name | startswith($p)))
      | . as $d | $truth[0][$d.name] as $t
      | select($t == null
          or $d.addr != $t.addr or $d.port != $t.port
          or $d.host != ($d.name + ".local")
          or $d.type != "_arduino._tcp" or $d.domain != "local"
          or $d.txt.board != "d1_mini" or $d.txt.tcp_check != "no"
          or $d.txt.ssh_upload != "no" or $d.txt.auth_upload != "no"
          or $d.txt.efa != "1" or $d.txt.efa_md5 != $t.running_md5
          or $d.txt.efa_ver != $t.version
          or $d.txt.efa_free != ($t.free_space | tostring)
          or $d.txt.efa_flash != ($t.flash_size | tostring)
          or $d.txt.efa_chip != $t.chip or $d.txt.efa_auth != "none")
      | $d.name ]' "$T/d.json" >"$T/wrong.json"
[ "$(jq length "$T/wrong.json")" = 0 ] ||
	fail "devices with wrong records: $(jq -c '.[:5]' "$T/wrong.json")"
# device k is at addr-base + k - 1
[ "$(jq -r "select(.name == \"$P-0300\") | .addr" "$T/d.json")" = \
    127.60.1.44 ] || fail "address of device 300"

# the human table: one row per device, escaped
"$ESPFLEET" discover >"$T/table.out" 2>"$T/table.err" || fail "table"
[ "$(grep -c "^$P-" "$T/table.out")" = $N ] || fail "table rows"
grep -q "^NAME  *ADDRESS  *PORT  *BOARD" "$T/table.out" || fail "table header"

# --- malformed TXT records, and services that never resolve ---
"$EFL_MDNS_PUB" \
    "svc:$P-bad:8266:board=d1_mini:flagonly:\\x01\\x02=binkey:bin=a\\x00\\xff:efa_md5=nothex:efa_free=lots:efa_ver=$(printf 'v%.0s' $(seq 200)):auth_upload=maybe:dup=1:dup=2" \
    "svc:$P-ctl\\x1b[31m:8266:board=x" \
    "ghost:$P-ghost" "nohost:$P-nohost:8266" \
    >"$T/pub.out" 2>"$T/pub.err" &
PIDS+=($!)
"$EFL_MDNS_PUB" -w 2500 "ghost:$P-vanish" >"$T/pub2.out" 2>"$T/pub2.err" &
PIDS+=($!)
for _ in $(seq 50); do
	grep -q published "$T/pub.out" && grep -q published "$T/pub2.out" &&
		break
	sleep 0.1
done
grep -q published "$T/pub.out" || fail "efl-mdns-pub: $(cat "$T/pub.err")"
sleep 1.2    # probing
"$ESPFLEET" discover --json --timeout 8 >"$T/m.json" 2>"$T/m.err" ||
	fail "discover with malformed services exited $?: $(cat "$T/m.err")"
jq -s . "$T/m.json" >/dev/null || fail "output is not JSON Lines"
[ "$(json_count "$T/m.json" "(.event == \"device\") and
    (.name | startswith(\"$P-\"))")" = $((N + 2)) ] ||
	fail "the good devices are not all listed next to the bad ones"
skipped_for() {   # NAME PATTERN: a skipped event for NAME whose reason matches
	[ "$(json_count "$T/m.json" "(.event == \"skipped\") and
	    (.name == \"$1\") and (.reason | test(\"$2\"))")" -ge 1 ] ||
		fail "no skipped event for '$1' matching '$2': $(jq -c \
		    'select(.event == "skipped")' "$T/m.json")"
}
skipped_for "$P-bad" "'flagonly' has no '='"
skipped_for "$P-bad" "binary key"
skipped_for "$P-bad" "binary value"
skipped_for "$P-bad" "efa_md5.*not an MD5"
skipped_for "$P-bad" "efa_free.*not a number"
skipped_for "$P-bad" "efa_ver.*longer than 64 bytes"
skipped_for "$P-bad" "auth_upload.*neither yes nor no"
skipped_for "$P-bad" "repeats a key"
skipped_for "$P-ghost" "could not be resolved"
skipped_for "$P-nohost" "could not be resolved"
skipped_for "$P-vanish" "vanished while being resolved"
jq -se "[.[] | select(.event == \"device\" and .name == \"$P-bad\")][0].txt |
    .board == \"d1_mini\" and .bin == \"a\\\\x00\\\\xff\" and .dup == \"1\" and
    (has(\"flagonly\") | not)" "$T/m.json" >/dev/null ||
	fail "TXT of $P-bad: $(jq -c "select(.name == \"$P-bad\")" "$T/m.json")"
# the same on a terminal-bound stream: no raw control bytes reach it
"$ESPFLEET" discover --timeout 8 >"$T/m.out" 2>"$T/m.err2" ||
	fail "human discover exited $?"
LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/m.out" "$T/m.err2" &&
	fail "control bytes in the human output"
grep -q "$P-ctl\\\\x1b\\[31m" "$T/m.out" || fail "escaped name not shown"
grep -q "'$P-bad': TXT item 'flagonly' has no '='" "$T/m.err2" ||
	fail "no warning for the malformed TXT on stderr"

# --- no avahi-daemon reachable: a clear message and exit 3, quickly ---
t0=$(now_ms)
rc=0
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/no-such-socket \
    "$ESPFLEET" discover >"$T/none.out" 2>"$T/none.err" || rc=$?
t1=$(now_ms)
[ "$rc" = 3 ] || fail "exit $rc without a daemon (want 3)"
[ $((t1 - t0)) -lt 2000 ] || fail "took $((t1 - t0)) ms without a daemon"
grep -q "no avahi-daemon reachable (.*): start one" "$T/none.err" ||
	fail "message: $(cat "$T/none.err")"
echo "mdns-discover: ok"
