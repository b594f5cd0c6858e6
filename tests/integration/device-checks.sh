# SPDX-License-Identifier: MIT
# The device refuses bad images and keeps its old one: wrong magic byte,
# shorter than a header, more than its free space, a flash-size code larger
# than its chip, and (on ESP32) a gzip image; each with its result code,
# the chip's own message and last_error in device.json. espfleet itself
# refuses, before contacting any device: an image without 0xE9 (unless
# --force), one shorter than an image header, an empty or missing image,
# no target, a bad option, a host name that does not resolve, a --host-ip
# not on this host; and it fits --jobs to the free file descriptors.
. "$(dirname "$0")/lib.sh"

start_sim e8 --devices 6 --addr-base 127.35.0.1
start_sim e32 --devices 3 --addr-base 127.35.1.1 --chip esp32
md5() { md5sum <"$1" | cut -d' ' -f1; }

# refused SIM DEV IMAGE CODE TEXT LAST_ERROR [push options]: a push of
# IMAGE to device DEV (1-9) of SIM fails with CODE and a message containing
# TEXT, last_error becomes LAST_ERROR, and the device keeps its image.
refused() {
	local sim=$1 k=$2 img=$3 code=$4 text=$5 lerr=$6 addr before boots
	shift 6
	if [ "$sim" = e8 ]; then addr=127.35.0.$k; else addr=127.35.1.$k; fi
	before=$(md5 "$T/$sim/sim-000$k/running.bin")
	boots=$(device_field "$sim" "sim-000$k" boot_count)
	set +e
	"$ESPFLEET" push --json -t 5 "$@" "$img" "$addr" >"$T/r.json" 2>"$T/r.err"
	rc=$?
	set -e
	[ "$rc" = 1 ] || fail "$sim/$k: push exited $rc, not 1: $(cat "$T/r.err")"
	jq -se --arg c "$code" --arg t "$text" '[.[] | select(.event ==
	    "result")] | length == 1 and (.[0] | .ok == false and
	    .error == $c and .attempts == 1 and (.message | contains($t)))' \
	    "$T/r.json" >/dev/null || fail "$sim/$k: not $code with '$text': \
$(jq -c 'select(.event == "result")' "$T/r.json")"
	[ "$(device_field "$sim" "sim-000$k" last_error)" = "$lerr" ] ||
		fail "$sim/$k: last_error $(device_field "$sim" "sim-000$k" last_error)"
	sleep 0.5 # a reboot (there should be none) would have started
	[ "$(device_field "$sim" "sim-000$k" boot_count)" = "$boots" ] ||
		fail "$sim/$k rebooted"
	[ "$(md5 "$T/$sim/sim-000$k/running.bin")" = "$before" ] ||
		fail "$sim/$k: running.bin changed"
	[ "$(device_field "$sim" "sim-000$k" running_md5)" = "$before" ] ||
		fail "$sim/$k: device.json running_md5 changed"
}

# magic byte 0x00, sent with --force
mkimage "$T/nomagic.bin" 50000 -s 80 -m 0x00
refused e8 1 "$T/nomagic.bin" image-invalid "Magic byte is not 0xE9" \
    "MAGIC: Magic byte is not 0xE9" --force
refused e32 1 "$T/nomagic.bin" image-invalid "Wrong Magic Byte" \
    "MAGIC: Wrong Magic Byte" --force

# shorter than an image header, sent with --force: the device refuses it at
# the invitation
printf '\351\003\002\040' >"$T/tiny.bin"
refused e8 4 "$T/tiny.bin" image-invalid \
    "Bad Size Given: shorter than an image header" \
    "SIZE: Bad Size Given" --force

# one sector more than the free space; exactly the free space is fine
free=$(device_field e8 sim-0002 free_space)
[ "$free" -gt 1000000 ] || fail "free_space $free"
mkimage "$T/big.bin" $((free + 1)) -s 81
refused e8 2 "$T/big.bin" no-space "Not Enough Space" "SPACE: Not Enough Space"
mkimage "$T/fits.bin" "$free" -s 82
"$ESPFLEET" push -t 20 "$T/fits.bin" 127.35.0.3 >/dev/null 2>"$T/fits.err" ||
	fail "an image of exactly the free space ($free bytes): $(cat "$T/fits.err")"
wait_boot_count e8 sim-0003 2
cmp -s "$T/fits.bin" "$T/e8/sim-0003/running.bin" || fail "sim-0003 image"
free32=$(device_field e32 sim-0002 free_space)
mkimage "$T/big32.bin" $((free32 + 4096)) -s 83
refused e32 2 "$T/big32.bin" no-space "Not Enough Space" "SPACE: Not Enough Space"

# flash-size code larger than the 4 MB chip: 9 = 16 MB (ESP8266), 5 = 32 MB
# (ESP32)
mkimage "$T/f9.bin" 50000 -s 84 -f 9
refused e8 4 "$T/f9.bin" image-invalid "new Flash config wrong, real size: 4194304" \
    "NEW_FLASH_CONFIG: new Flash config wrong, real size: 4194304"
mkimage "$T/f5.bin" 50000 -s 85 -f 5
refused e32 3 "$T/f5.bin" image-invalid "Image flash size exceeds the chip" \
    "NEW_FLASH_CONFIG: Image flash size exceeds the chip, real size: 4194304"
# ... and a code the chip does have (4 = 4 MB on ESP8266) is fine
mkimage "$T/f4.bin" 50000 -s 86 -f 4
"$ESPFLEET" push "$T/f4.bin" 127.35.0.4 >/dev/null 2>&1 || fail "code 4 on 4 MB"
wait_boot_count e8 sim-0004 2
cmp -s "$T/f4.bin" "$T/e8/sim-0004/running.bin" || fail "sim-0004 image"

# a gzip image: the ESP8266 boot loader inflates it (the simulator before
# its commit), ESP32 has none
mkimage "$T/app5.bin" 40000 -s 87
gzip -9 -n -c "$T/app5.bin" >"$T/app.gz"
"$ESPFLEET" push "$T/app.gz" 127.35.0.5 >/dev/null 2>"$T/gz.err" ||
	fail "gzip on esp8266: $(cat "$T/gz.err")"
wait_boot_count e8 sim-0005 2
cmp -s "$T/app5.bin" "$T/e8/sim-0005/running.bin" || fail "sim-0005 image"
refused e32 3 "$T/app.gz" image-invalid "Wrong Magic Byte" "MAGIC: Wrong Magic Byte"
# a gzip header over bytes that do not inflate: refused (--force sends it,
# and the device refuses it before its commit)
mkimage "$T/fake.gz" 40000 -s 88 -z
# (its trailer says 40000 bytes: a length the device has room for)
printf '\100\234\000\000' | dd of="$T/fake.gz" bs=1 seek=39996 \
    conv=notrunc 2>/dev/null
rc=0
"$ESPFLEET" push "$T/fake.gz" 127.35.0.5 >/dev/null 2>"$T/fake.err" || rc=$?
[ "$rc" = 3 ] && grep -q 'does not inflate' "$T/fake.err" ||
	fail "a fake gzip image: exit $rc, $(cat "$T/fake.err")"
refused e8 5 "$T/fake.gz" image-invalid "gzip image does not inflate" \
    "INFLATE: gzip image does not inflate" --force

# refusals of espfleet itself: exit status, message, nothing sent
cp "$T/e8/sim-0006/device.json" "$T/dev6.before"
host_refuses() { # RC TEXT ARGS...
	local want=$1 text=$2
	shift 2
	set +e
	"$ESPFLEET" push --json "$@" >"$T/h.out" 2>"$T/h.err"
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "push $* exited $rc, not $want"
	grep -qF -e "$text" "$T/h.err" || fail "push $*: $(cat "$T/h.err")"
	[ ! -s "$T/h.out" ] || fail "push $* wrote to stdout: $(cat "$T/h.out")"
}
host_refuses 3 "starts with byte 0x00, not 0xE9 (or a gzip stream); use --force" \
    "$T/nomagic.bin" 127.35.0.6
: >"$T/empty.bin"
host_refuses 3 "image '$T/empty.bin' is empty" "$T/empty.bin" 127.35.0.6
host_refuses 3 "image '$T/empty.bin' is empty" --force "$T/empty.bin" 127.35.0.6
host_refuses 3 "cannot read image '$T/missing.bin'" "$T/missing.bin" 127.35.0.6
# shorter than an image header (a device would boot into nothing)
printf '\351' >"$T/one.bin"
host_refuses 3 "is too short to be an ESP firmware image: 1 bytes, less than the image header (8 bytes)" \
    "$T/one.bin" 127.35.0.6
printf '\037\213\010\000' >"$T/gz4.bin"
host_refuses 3 "less than the smallest gzip stream (18 bytes)" "$T/gz4.bin" 127.35.0.6
host_refuses 4 "no target" "$T/f4.bin"
host_refuses 2 "no image given"
host_refuses 2 "unknown option '--frobnicate'" --frobnicate "$T/f4.bin" 127.35.0.6
host_refuses 2 "--jobs: '0' is not a number" -j 0 "$T/f4.bin" 127.35.0.6
host_refuses 2 "--timeout" -t soon "$T/f4.bin" 127.35.0.6
host_refuses 3 "cannot resolve target 'efl-no-such-host.invalid'" \
    "$T/f4.bin" 127.35.0.6 efl-no-such-host.invalid
host_refuses 2 "target '1.2.3': not an IPv4 address" "$T/f4.bin" 1.2.3
host_refuses 2 "target 'a\\x1b[31mb': bad host" "$T/f4.bin" $'a\e[31mb'
# a --host-ip that is not on this host (binding fails; nothing is sent)
host_refuses 3 "cannot listen on 192.0.2.1" -I 192.0.2.1 "$T/f4.bin" 127.35.0.6

# a file name that is no UTF-8 still gives valid UTF-8 JSON
cp "$T/f4.bin" "$T/bad"$'\xff'".bin"
set +e
"$ESPFLEET" push --json -t 0.3 -r 0 "$T/bad"$'\xff'".bin" 127.35.9.9 \
    >"$T/u.json" 2>/dev/null
set -e
iconv -f UTF-8 -t UTF-8 "$T/u.json" >/dev/null 2>&1 || fail "JSON is not UTF-8"
grep -q '"image":"[^"]*bad\\\\xff.bin"' "$T/u.json" ||
	fail "image path in JSON: $(head -1 "$T/u.json")"

# more uploads at once than free descriptors allow: --jobs lowered with a
# warning (from the descriptors really free), every device still updated
mkimage "$T/fd.bin" 30000 -s 84
for k in 1 2 3 4 5; do
	boots[k]=$(device_field e8 "sim-000$k" boot_count)
done
( ulimit -n 28 && "$ESPFLEET" push -j 1000 "$T/fd.bin" \
    $(addrs 127.35.0.1 5) >/dev/null 2>"$T/fd.err" ) ||
	fail "push under ulimit -n 28: $(cat "$T/fd.err")"
grep -Eq -- "--jobs 1000 lowered to [1-4]: only [0-9]+ file descriptors \
are free \(the limit on open files is 28" "$T/fd.err" ||
	fail "no --jobs warning: $(cat "$T/fd.err")"
for k in 1 2 3 4 5; do
	wait_boot_count e8 "sim-000$k" $((boots[k] + 1))
	cmp -s "$T/fd.bin" "$T/e8/sim-000$k/running.bin" ||
		fail "sim-000$k image"
done
sleep 0.5
cmp -s "$T/dev6.before" "$T/e8/sim-0006/device.json" ||
	fail "a refused push changed sim-0006"
[ "$(device_field e8 sim-0006 last_error)" = null ] || fail "sim-0006 last_error"
echo "device-checks: ok"
