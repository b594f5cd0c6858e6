# SPDX-License-Identifier: MIT
# --host-port P: ten uploads at once share one connect-back port P (every
# invitation names P, every device connects back to it, all succeed); a
# second espfleet wanting P while the first holds it fails at once (exit 3,
# "cannot listen"). A device that accepts but never connects back (a host
# firewall) ends as connect-timeout, with advice naming the firewall and
# --host-port, after its retry.
. "$(dirname "$0")/lib.sh"

# flash at 100 KiB/s: each upload takes about 2 s, long enough to overlap
start_sim fleet --devices 10 --addr-base 127.39.0.1 --rate 100K
start_sim other --devices 1 --addr-base 127.39.1.1
mkimage "$T/app.bin" 100000 -s 120

port=$(( 20000 + ($$ * 13 + 39) % 20000 ))
for _ in 1 2; do
	"$ESPFLEET" push -v -j 10 --json --host-port "$port" "$T/app.bin" \
	    $(addrs 127.39.0.1 10) >"$T/a.json" 2>"$T/a.err" &
	A=$!
	PIDS+=("$A")
	for _ in $(seq 100); do
		grep -qs '> invitation' "$T/a.err" && break
		kill -0 "$A" 2>/dev/null || break
		sleep 0.05
	done
	if ! kill -0 "$A" 2>/dev/null && grep -qs 'cannot listen' "$T/a.err"
	then
		note "port $port is taken, trying another"
		port=$(( port + 1009 ))
		continue
	fi
	break
done
grep -q '> invitation' "$T/a.err" || fail "push A: $(cat "$T/a.err")"

# B wants the same port while A holds it
set +e
"$ESPFLEET" push --json --host-port "$port" "$T/app.bin" 127.39.1.1 \
    >"$T/b.json" 2>"$T/b.err"
rc=$?
set -e
kill -0 "$A" 2>/dev/null || fail "push A ended before B was tried"
[ "$rc" = 3 ] || fail "push B exited $rc, not 3: $(cat "$T/b.err")"
grep -q "cannot listen on 0.0.0.0 port $port for the devices' connect-back" \
    "$T/b.err" || fail "push B message: $(cat "$T/b.err")"
[ ! -s "$T/b.json" ] || fail "push B reported: $(cat "$T/b.json")"
[ "$(device_field other sim-0001 boot_count)" = 1 ] || fail "B reached a device"

set +e
wait "$A"
rc=$?
set -e
[ "$rc" = 0 ] || fail "push A exited $rc: $(tail -5 "$T/a.err")"
[ "$(json_count "$T/a.json" '.event == "result" and .ok')" = 10 ] ||
	fail "push A: not 10 ok results"
[ "$(grep -c "> invitation '0 $port 100000 " "$T/a.err")" = 10 ] ||
	fail "not 10 invitations naming port $port"
[ "$(grep -c '> invitation' "$T/a.err")" = 10 ] ||
	fail "invitations naming another port: $(grep '> invitation' "$T/a.err")"
for k in $(seq 10); do
	grep -q "^espfleet push: 127.39.0.$k: connect-back from 127.39.0.$k" \
	    "$T/a.err" || fail "no connect-back from 127.39.0.$k"
done
for k in $(seq -f %04g 1 10); do
	wait_boot_count fleet "sim-$k" 2
	cmp -s "$T/app.bin" "$T/fleet/sim-$k/running.bin" ||
		fail "sim-$k does not run the image"
done

# no connect-back: connect-timeout after the retry (-r 1: 2 attempts)
start_sim fw --devices 1 --addr-base 127.39.2.1 --fault no-connect:1
set +e
"$ESPFLEET" push --json -t 2 -r 1 "$T/app.bin" 127.39.2.1 >"$T/nc.json" \
    2>/dev/null
rc=$?
set -e
[ "$rc" = 1 ] || fail "no-connect push exited $rc, not 1"
jq -se '[.[] | select(.event == "retry")] | length == 1 and (.[0] |
    .error == "connect-timeout" and .attempt == 1 and
    (.message | contains("firewall") and contains("--host-port")))' \
    "$T/nc.json" >/dev/null ||
	fail "no-connect: not one connect-timeout retry: $(jq -c \
	    'select(.event == "retry")' "$T/nc.json")"
jq -se '[.[] | select(.event == "result")] | length == 1 and (.[0] |
    .ok == false and .error == "connect-timeout" and .attempts == 2 and
    (.message | contains("firewall") and contains("--host-port")))' \
    "$T/nc.json" >/dev/null ||
	fail "no-connect: the final result is not connect-timeout after 2 \
attempts (the retry came while the device still waited for its own \
connect-back, see the report of the integration tests): $(jq -c \
	    'select(.event == "result")' "$T/nc.json")"
[ "$(device_field fw sim-0001 boot_count)" = 1 ] || fail "fw device rebooted"
echo "host-port: ok"
