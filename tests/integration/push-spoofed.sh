# SPDX-License-Identifier: MIT
# Forged datagrams during the handshake (issue 11 item 3): while a device
# is invited, refusals come from its address but another UDP port, and
# from another address with its port, over IPv4 and IPv6. espfleet push
# and espfleet espota believe only the device's own address and port
# (docs/protocol.md section 8.2): the upload succeeds, the forgeries are
# logged as ignored. (The downgrade of a known auth scheme is covered by
# the unit tests of the session, tests/host/test-espota-session.c.)
. "$(dirname "$0")/lib.sh"

[ -x /usr/bin/python3 ] || { echo "push-spoofed: skipped (no python3)"; exit 77; }
FAKE="$EFL_TESTS/tools/espota-spoofed-device.py"
mkimage "$T/app.bin" 20000 -s 88

# start_fake NAME ARGS...: the fake device, ready to be invited
start_fake() {
	local name=$1
	shift
	/usr/bin/python3 "$FAKE" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	FAKE_PID=$!
	PIDS+=("$FAKE_PID")
	for _ in $(seq 100); do
		grep -q '^ready' "$T/$name.out" 2>/dev/null && return 0
		kill -0 "$FAKE_PID" 2>/dev/null ||
			fail "fake $name: $(cat "$T/$name.err")"
		sleep 0.05
	done
	fail "fake $name not ready"
}

# IPv4: push, then the espota drop-in
start_fake v4 --addr 127.88.0.1 --spoof-port 8267 --spoof-addr 127.88.0.2
"$ESPFLEET" push -v --no-verify -t 5 -r 0 "$T/app.bin" 127.88.0.1 \
    >"$T/push.out" 2>"$T/push.err" ||
	fail "push exited $?: $(cat "$T/push.out" "$T/push.err")"
grep -q '^127.88.0.1: ok: ' "$T/push.out" || fail "push: $(cat "$T/push.out")"
grep -q 'ignoring a datagram from 127.88.0.1:8267' "$T/push.err" ||
	fail "the other port's datagram: $(cat "$T/push.err")"
grep -q 'ignoring a datagram from 127.88.0.2:8266' "$T/push.err" ||
	fail "the other address's datagram: $(cat "$T/push.err")"
wait "$FAKE_PID" || fail "fake v4: $(cat "$T/v4.err")"

start_fake v4b --addr 127.88.0.1 --spoof-port 8267 --spoof-addr 127.88.0.2
"$ESPFLEET" espota -i 127.88.0.1 -p 8266 -f "$T/app.bin" -t 5 \
    >"$T/espota.out" 2>"$T/espota.err" ||
	fail "espota exited $?: $(cat "$T/espota.err")"
wait "$FAKE_PID" || fail "fake v4b: $(cat "$T/v4b.err")"

# IPv6 (loopback has one address: the other port only)
if python3 -c 'import socket; socket.socket(socket.AF_INET6,
    socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null; then
	start_fake v6 --addr ::1 --port 18266 --spoof-port 18267
	"$ESPFLEET" push -v --no-verify -t 5 -r 0 "$T/app.bin" '[::1]:18266' \
	    >"$T/push6.out" 2>"$T/push6.err" ||
		fail "push ::1 exited $?: $(cat "$T/push6.out" "$T/push6.err")"
	grep -q 'ignoring a datagram from \[::1\]:18267' "$T/push6.err" ||
		fail "IPv6 other port: $(cat "$T/push6.err")"
	wait "$FAKE_PID" || fail "fake v6: $(cat "$T/v6.err")"
else
	note "no IPv6 loopback: the IPv6 case is skipped"
fi
echo "push-spoofed: ok"
