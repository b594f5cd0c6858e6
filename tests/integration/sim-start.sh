# SPDX-License-Identifier: MIT
# espfleet-sim: a fleet of 200 starts, binds every device to its own
# address, prints "ready 200 devices", stays small (< 64 MiB RSS), writes
# each device's running.bin and device.json; bad options are refused.
. "$(dirname "$0")/lib.sh"

start_sim fleet --devices 200 --addr-base 127.20.0.1
[ "$(cat "$T/fleet.out")" = "ready 200 devices" ] ||
	fail "unexpected stdout: $(cat "$T/fleet.out")"
rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$SIM_PID/status")
note "peak RSS of 200 devices: $rss KiB"
[ "$rss" -lt $((64 * 1024)) ] || fail "peak RSS $rss KiB >= 64 MiB"

for k in 0001 0100 0200; do
	d=$T/fleet/sim-$k
	[ -s "$d/running.bin" ] || fail "sim-$k has no running.bin"
	[ "$(md5sum <"$d/running.bin" | cut -d' ' -f1)" = \
	    "$(device_field fleet "sim-$k" running_md5)" ] ||
		fail "sim-$k: device.json MD5 is not running.bin's"
	[ "$(device_field fleet "sim-$k" boot_count)" = 1 ] ||
		fail "sim-$k: boot count"
	[ "$(device_field fleet "sim-$k" chip)" = esp8266 ] || fail "chip"
done
[ "$(device_field fleet sim-0200 addr)" = 127.20.0.200 ] || fail "address"
# every device its own factory image
[ "$(device_field fleet sim-0001 running_md5)" != \
    "$(device_field fleet sim-0002 running_md5)" ] ||
	fail "factory images are not per device"

# each device answers on its own address
ok=0
for a in 127.20.0.1 127.20.0.137 127.20.0.200; do
	"$ESPFLEET" push -t 2 -r 0 --force "$T/fleet/sim-0003/running.bin" "$a" \
	    >/dev/null 2>&1 && ok=$((ok + 1))
done
[ "$ok" = 3 ] || fail "devices did not answer on their addresses ($ok/3)"

# a second fleet on the same addresses cannot bind: clear error, exit 1
set +e
"$ESPFLEET_SIM" --devices 2 --addr-base 127.20.0.1 --state-dir "$T/dup" \
    >/dev/null 2>"$T/dup.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "bind conflict exit $rc"
grep -q "cannot bind 127.20.0.1:8266" "$T/dup.err" || fail "bind message"

# bad options: exit 2 and a message naming the problem
bad() {
	set +e
	"$ESPFLEET_SIM" "$@" --state-dir "$T/bad" >/dev/null 2>"$T/bad.err"
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "espfleet-sim $* exited $rc"
	grep -qe "$BADMSG" "$T/bad.err" || fail "espfleet-sim $*: $(cat "$T/bad.err")"
}
BADMSG="--devices" bad --devices 0
BADMSG="unknown fault kind 'melt'" bad --fault melt
BADMSG="needs an argument" bad --fault drop-at
BADMSG="bad device range" bad --fault silent:5-3
BADMSG="--auth needs --password-file" bad --auth md5
BADMSG="--chip" bad --chip esp8285
BADMSG="is not a size" bad --flash-size 4Q
echo "sim-start: ok"
