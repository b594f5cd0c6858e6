# SPDX-License-Identifier: MIT
# SIGINT, SIGTERM and SIGHUP end every command the same way: the one cancel
# path of the loop owner (docs/architecture.md section 3). push reports
# every target and its summary, exit 1 (push-cancel.sh has SIGINT in
# detail; here SIGTERM and SIGHUP); the espota drop-in reports the upload canceled, exit 1; serve
# reports its totals, exit 0. discover: mdns-interrupt.sh.
. "$(dirname "$0")/lib.sh"

# a device busy with a canceled upload ignores invitations for a while:
# one pair of devices per signal
start_sim slow --devices 5 --addr-base 127.89.0.1 --rate 8192
mkimage "$T/app.bin" 200000 -s 89

# wait_for FILE PATTERN WHAT: until grep finds PATTERN in FILE (<= 10 s)
wait_for() {
	for _ in $(seq 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "$3: $(cat "$1")"
}

# push, mid-transfer: every target a result, the summary, exit 1
d=1
for sig in TERM HUP; do
	"$ESPFLEET" push --json --no-verify "$T/app.bin" "127.89.0.$d" \
	    "127.89.0.$((d + 1))" >"$T/push-$sig.json" 2>"$T/push-$sig.err" &
	pid=$!
	PIDS+=("$pid")
	wait_for "$T/push-$sig.json" '"state":"uploading"' "push never uploads"
	end_with "$pid" "$sig" 1 "push"
	jq -se '[.[] | select(.event == "result")] | length == 2 and
	    all(.ok == false and .error == "canceled")' \
	    "$T/push-$sig.json" >/dev/null || fail "push $sig results"
	jq -se '[.[] | select(.event == "summary")] | length == 1 and
	    .[0].failed == 2' "$T/push-$sig.json" >/dev/null ||
		fail "push $sig: no summary"
	grep -q 'interrupted: canceling' "$T/push-$sig.json" ||
		fail "push $sig: no notice"
	d=$((d + 2))
done

# the espota drop-in, mid-transfer: canceled, exit 1
"$ESPFLEET" espota -i 127.89.0.5 -p 8266 -f "$T/app.bin" -d \
    >"$T/espota.out" 2>"$T/espota.err" &
pid=$!
PIDS+=("$pid")
wait_for "$T/espota.err" 'connect-back from' "espota never uploads"
end_with "$pid" INT 1 "espota"
grep -q '^espfleet espota: canceled$' "$T/espota.err" ||
	fail "espota: $(cat "$T/espota.err")"

# serve: the totals, exit 0, on each of the three
for sig in INT TERM HUP; do
	"$ESPFLEET" serve --json -l 127.89.1.1:0 "$T/app.bin" \
	    >"$T/serve-$sig.json" 2>"$T/serve-$sig.err" &
	pid=$!
	PIDS+=("$pid")
	wait_for "$T/serve-$sig.json" '"event":"listening"' "serve"
	end_with "$pid" "$sig" 0 "serve"
	tail -1 "$T/serve-$sig.json" | jq -e '.event == "summary"' \
	    >/dev/null || fail "serve $sig: no summary"
done

echo "signals: ok"
