# SPDX-License-Identifier: MIT
# espfleet discover ends on SIGINT, SIGTERM or SIGHUP like on its timeout
# (the one cancel path of the loop owner): what it found is reported, the
# summary says the browse was not complete, exit 0. A service that never
# resolves keeps the browse from completing. Skips (77) without
# avahi-daemon. (push, espota, serve: signals.sh.)
. "$(dirname "$0")/lib.sh"

: "${EFL_MDNS_PUB:?set by ctest}"
skip_without_avahi mdns-interrupt

P=mi$$
start_sim fleet --mdns --devices 1 --addr-base 127.89.2.1 \
    --name-prefix "$P-"
"$EFL_MDNS_PUB" "ghost:$P-ghost" >"$T/pub.out" 2>"$T/pub.err" &
PIDS+=($!)
for _ in $(seq 50); do
	grep -q published "$T/pub.out" && break
	sleep 0.1
done
grep -q published "$T/pub.out" || fail "efl-mdns-pub: $(cat "$T/pub.err")"
wait_listed "$P-" 1

for sig in INT TERM HUP; do
	"$ESPFLEET" discover --json --timeout 60 >"$T/d-$sig.json" \
	    2>"$T/d-$sig.err" &
	pid=$!
	PIDS+=("$pid")
	sleep 1.5    # the browse is on; the ghost keeps it incomplete
	kill -0 "$pid" 2>/dev/null ||
		fail "discover ended before the signal: $(cat "$T/d-$sig.err")"
	end_with "$pid" "$sig" 0 discover
	[ "$(json_count "$T/d-$sig.json" "(.event == \"device\") and
	    (.name | startswith(\"$P-\"))")" = 1 ] ||
		fail "SIG$sig: the device is not listed: $(cat "$T/d-$sig.json")"
	jq -se '[.[] | select(.event == "summary")] | length == 1 and
	    .[0].complete == false' "$T/d-$sig.json" >/dev/null ||
		fail "SIG$sig: summary: $(cat "$T/d-$sig.json")"
done
echo "mdns-interrupt: ok"
