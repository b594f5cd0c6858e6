# SPDX-License-Identifier: MIT
# push --via http with verification over mDNS: devices selected with
# --match are reached on their /update page (the --port, not the OTA port
# they advertise) and verified when they come back; a target given by
# address is matched to its service by address alone (its port is the
# page's) and verified too; a boot-old device is verify-failed (exit 1).
# Skips (77) without avahi-daemon.
. "$(dirname "$0")/lib.sh"

skip_without_avahi mdns-push-http

P=ph$$
start_sim web --mdns --devices 3 --addr-base 127.62.0.1 --name-prefix "$P-" \
    --http-port 8080 --fault boot-old:3
wait_listed "$P-" 3

mkimage "$T/app.bin" 80000 -s 91
set +e
"$ESPFLEET" push --via http -p 8080 --json --match "$P-*" \
    --verify-timeout 20 "$T/app.bin" >"$T/match.json" 2>"$T/match.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "push --match exited $rc, not 1: $(cat "$T/match.err")"
for k in 1 2; do
	jq -se --arg n "$P-000$k" '[.[] | select(.event == "result" and
	    .name == $n)] | length == 1 and (.[0] | .ok and .port == 8080 and
	    .verification == "verified")' "$T/match.json" >/dev/null ||
		fail "$P-000$k: $(jq -c --arg n "$P-000$k" \
		    'select(.event == "result" and .name == $n)' "$T/match.json")"
	cmp -s "$T/app.bin" "$T/web/$P-000$k/running.bin" ||
		fail "$P-000$k image"
done
jq -se --arg n "$P-0003" '[.[] | select(.event == "result" and
    .name == $n)] | length == 1 and (.[0] | .ok == false and
    .error == "verify-failed")' "$T/match.json" >/dev/null ||
	fail "boot-old device: $(jq -c 'select(.event == "result")' \
	    "$T/match.json")"

# by address: the service is found by the address alone
mkimage "$T/app2.bin" 70000 -s 92
"$ESPFLEET" push --via http -p 8080 --json --verify-timeout 20 \
    "$T/app2.bin" 127.62.0.2 >"$T/addr.json" 2>"$T/addr.err" ||
	fail "push by address exited $?: $(cat "$T/addr.err")"
jq -se '[.[] | select(.event == "result")] | length == 1 and (.[0] |
    .ok and .verification == "verified")' "$T/addr.json" >/dev/null ||
	fail "by address: $(jq -c 'select(.event == "result")' "$T/addr.json")"
cmp -s "$T/app2.bin" "$T/web/$P-0002/running.bin" || fail "second image"
echo "mdns-push-http: ok"
