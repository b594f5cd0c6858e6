# SPDX-License-Identifier: MIT
# Targets that are no single device's address are refused before anything
# is sent: multicast (224.0.0.1, ff02::1, also v4-mapped), the broadcast
# address 255.255.255.255 and the broadcast address of an interface of this
# host (a broadcast invitation would make every device of the segment
# answer) - push exits 2, the espota drop-in 1, with a clear message, and
# not one packet leaves. An image or password file that is not a regular
# file (a FIFO) is refused at once instead of hanging in open().
# Runs in a private network namespace of its own (root, unshare -n) holding
# lo and a dummy interface; nothing is ever sent to its broadcast address.
EFL_UNSHARE="-n"
. "$(dirname "$0")/lib.sh"

ip link set lo up
# no IPv6 on the new interface: its own neighbour discovery and MLD would
# send packets of their own and spoil the count of what leaves it
sysctl -q -w net.ipv6.conf.default.disable_ipv6=1 || true
if ip link add efl0 type dummy 2>/dev/null; then
	IF=efl0
else
	ip link add efl0 type veth peer name efl1 || fail "no dummy or veth"
	ip link set efl1 up
	IF=efl0
fi
ip addr add 10.73.0.1/24 brd + dev "$IF"
ip link set "$IF" up
BCAST=$(ip -4 -o addr show dev "$IF" | sed -n 's/.* brd \([0-9.]*\).*/\1/p')
[ "$BCAST" = 10.73.0.255 ] || fail "no broadcast address on $IF: $BCAST"
# packets sent on $IF (/proc/net is this namespace's, /sys is not)
tx() { sed -n "s/^ *$IF: *//p" /proc/net/dev | awk '{ print $10 }'; }
[ -n "$(tx)" ] || fail "no packet count for $IF"

start_sim one --devices 1 --addr-base 127.73.0.1
mkimage "$T/app.bin" 40000 -s 73
tx_before=$(tx)

# refused NAME RC MESSAGE CMD...: exits RC (within 10 s) with MESSAGE
refused() {
	local name=$1 want=$2 msg=$3 rc=0
	shift 3
	timeout 10 "$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
	[ "$rc" = "$want" ] ||
		fail "$name exited $rc, not $want: $(cat "$T/$name.err")"
	grep -qF -- "$msg" "$T/$name.err" ||
		fail "$name: no '$msg' in: $(cat "$T/$name.err")"
}

MC='is a multicast address, which would reach every device that listens'
refused mc4 2 "target '224.0.0.1': 224.0.0.1 $MC" \
    "$ESPFLEET" push -t 2 -r 0 "$T/app.bin" 224.0.0.1
refused mc4-http 2 "224.0.0.251 $MC" \
    "$ESPFLEET" push --via http -t 2 -r 0 "$T/app.bin" 224.0.0.251:80
refused mc6 2 "target '[ff02::1]:8266': ff02::1 $MC" \
    "$ESPFLEET" push -t 2 -r 0 "$T/app.bin" '[ff02::1]:8266'
refused mc6-bare 2 "ff02::1 $MC" \
    "$ESPFLEET" push -t 2 -r 0 "$T/app.bin" ff02::1
refused mapped 2 "::ffff:224.0.0.1 $MC" \
    "$ESPFLEET" push -t 2 -r 0 "$T/app.bin" ::ffff:224.0.0.1
refused bcast 2 "255.255.255.255 is the broadcast address" \
    "$ESPFLEET" push -t 2 -r 0 "$T/app.bin" 255.255.255.255
refused if-bcast 2 "10.73.0.255 is the broadcast address of interface $IF" \
    "$ESPFLEET" push -t 2 -r 0 "$T/app.bin" 10.73.0.255
refused espota-mc 1 "224.0.0.1 $MC" \
    "$ESPFLEET" espota -i 224.0.0.1 -f "$T/app.bin" -t 2
refused espota-bcast 1 "10.73.0.255 is the broadcast address of interface" \
    "$ESPFLEET" espota -i 10.73.0.255 -f "$T/app.bin" -t 2
# one such target among good ones: nothing is pushed at all
refused mixed 2 "224.0.0.1 $MC" \
    "$ESPFLEET" push -t 2 -r 0 "$T/app.bin" 127.73.0.1 224.0.0.1
[ "$(device_field one sim-0001 boot_count)" = 1 ] ||
	fail "the good target was pushed to"
[ "$(tx)" = "$tx_before" ] ||
	fail "packets left $IF: $tx_before before, $(tx) after"
# the interface's own address is a device's as far as the check goes
# (nothing answers there: no-answer, exit 1, not a refusal)
rc=0
"$ESPFLEET" push -t 0.5 -r 0 "$T/app.bin" 10.73.0.1 >"$T/own.out" \
    2>"$T/own.err" || rc=$?
[ "$rc" = 1 ] || fail "push to 10.73.0.1 exited $rc: $(cat "$T/own.err")"

# FIFOs as image or password file: refused at once, nothing blocks
mkfifo "$T/fifo"
printf 'pw\n' >"$T/pw"
NOTREG="'$T/fifo' is not a regular file"
refused fifo-push 3 "image $NOTREG" \
    "$ESPFLEET" push -t 2 -r 0 "$T/fifo" 127.73.0.1
refused fifo-pwfile 3 "password file $NOTREG" \
    "$ESPFLEET" push -t 2 -r 0 --password-file "$T/fifo" "$T/app.bin" \
    127.73.0.1
refused fifo-espota 1 "image $NOTREG" \
    "$ESPFLEET" espota -i 127.73.0.1 -f "$T/fifo" -t 2
refused fifo-serve 3 "image $NOTREG" \
    "$ESPFLEET" serve -l 127.73.1.1:0 "$T/fifo"
refused fifo-serve-fs 3 "image $NOTREG" \
    "$ESPFLEET" serve -l 127.73.1.1:0 --fs "$T/fifo" "$T/app.bin"
refused fifo-serve-pw 3 "password file $NOTREG" \
    "$ESPFLEET" serve -l 127.73.1.1:0 --password-file "$T/fifo" \
    "$T/app.bin"
[ "$(device_field one sim-0001 boot_count)" = 1 ] ||
	fail "a refused push reached the device"
echo "target-refusals: ok"
