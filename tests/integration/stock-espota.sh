# SPDX-License-Identifier: MIT
# Interoperability of the simulated devices with the uploaders people use:
# the stock espota.py of the ESP8266 core and of the ESP32 core (pre-3.3.1,
# MD5 authentication), and tests/tools/espota-sha256-client.py, our own
# client behaving like the ESP32 >= 3.3.1 espota.py (PBKDF2-HMAC-SHA256,
# the 200 datagram from a new socket, 1024-byte stop-and-wait chunks).
#
# The stock scripts are not part of this project (licence). The ESP8266
# core's is the fixture ../shared/vendor/espota/espota.py next to the source
# tree (where CI puts it), or ESPFLEET_STOCK_ESPOTA8266; the ESP32 core's
# part runs when ESPFLEET_STOCK_ESPOTA32 names that core's espota.py. Without
# /usr/bin/python3 the test is skipped (77); without an ESP8266 script only
# the SHA-256 client part runs, then the test reports a skip.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || { echo "stock-espota: skipped (no $PY)"; exit 77; }
CLIENT=$EFL_TESTS/tools/espota-sha256-client.py
PW='stock-Pass-7'
printf '%s\n' "$PW" >"$T/pw"
md5() { md5sum <"$1" | cut -d' ' -f1; }

# a TCP port nobody listens on now, for espota's -P (its default is random)
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("", 0));
print(s.getsockname()[1]); s.close()'
}

# upload RC SCRIPT ARGS...: run an uploader, expect exit status RC
upload() {
	local want=$1 script=$2
	shift 2
	set +e
	timeout 60 "$PY" "$script" "$@" >"$T/up.out" 2>"$T/up.err"
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "$(basename "$script") $* exited $rc, \
not $want: $(tr '\r' '\n' <"$T/up.err" | tail -5)"
}

# updated SIM DEV IMAGE BOOTS: DEV runs IMAGE after reaching boot count BOOTS
updated() {
	wait_boot_count "$1" "$2" "$4"
	cmp -s "$3" "$T/$1/$2/running.bin" || fail "$1/$2 does not run $3"
	[ "$(device_field "$1" "$2" running_md5)" = "$(md5 "$3")" ] ||
		fail "$1/$2: device.json MD5"
}

# unchanged SIM DEV MD5 BOOTS [LAST_ERROR]: DEV still runs what it ran
unchanged() {
	sleep 0.5 # a reboot (there should be none) would have started
	[ "$(md5 "$T/$1/$2/running.bin")" = "$3" ] || fail "$1/$2 changed"
	[ "$(device_field "$1" "$2" boot_count)" = "$4" ] || fail "$1/$2 rebooted"
	if [ -n "${5:-}" ]; then
		[ "$(device_field "$1" "$2" last_error)" = "$5" ] ||
			fail "$1/$2 last_error: $(device_field "$1" "$2" last_error)"
	fi
}

mkimage "$T/app.bin" 150000 -s 130
mkimage "$T/app2.bin" 90000 -s 131
mkimage "$T/nomagic.bin" 50000 -s 132 -m 0x00

# ---- our ESP32 >= 3.3.1-style client against SHA-256 devices ----
"$PY" "$CLIENT" --self-test 2>"$T/self.err" ||
	fail "client self-test: $(cat "$T/self.err")"
start_sim s32 --devices 2 --addr-base 127.40.3.1 --chip esp32 --auth sha256 \
    --password-file "$T/pw"
upload 0 "$CLIENT" -i 127.40.3.1 -p 8266 -a "$PW" -f "$T/app.bin"
grep -q 'Authenticating...OK' "$T/up.err" || fail "sha256 client: no auth"
updated s32 sim-0001 "$T/app.bin" 2
[ "$(device_field s32 sim-0001 last_transfer.queued_at_first_ack)" = 0 ] ||
	fail "the client is not stop-and-wait"
old=$(md5 "$T/s32/sim-0002/running.bin")
upload 1 "$CLIENT" -i 127.40.3.2 -p 8266 -a wrong-password -f "$T/app.bin"
unchanged s32 sim-0002 "$old" 1 "AUTH: Authentication Failed"

STOCK8266=${ESPFLEET_STOCK_ESPOTA8266:-$EFL_VENDOR/espota/espota.py}
STOCK32=${ESPFLEET_STOCK_ESPOTA32:-}
if [ -z "${ESPFLEET_STOCK_ESPOTA8266:-}" ] && [ ! -e "$STOCK8266" ]; then
	echo "stock-espota: skipped (no $STOCK8266; set" \
	    "ESPFLEET_STOCK_ESPOTA8266 to the ESP8266 core's espota.py)"
	exit 77
fi
for s in "$STOCK8266" $STOCK32; do
	[ -r "$s" ] || fail "cannot read $s"
done

# stock SCRIPT CHIP NET AUTH TAG MAGIC_TEXT: the checks of one stock
# espota.py against devices of chip CHIP, two without a password at
# 127.40.NET.x and three with one (challenge scheme AUTH) at 127.40.NET+1.x;
# MAGIC_TEXT is the chip's refusal of a wrong magic byte
stock() {
	local script=$1 chip=$2 net=$3 auth=$4 tag=$5 magic=$6 free old
	start_sim "open$tag" --devices 2 --addr-base "127.40.$net.1" \
	    --chip "$chip"
	start_sim "pw$tag" --devices 3 --addr-base "127.40.$((net + 1)).1" \
	    --chip "$chip" --auth "$auth" --password-file "$T/pw"
	# without a password
	upload 0 "$script" -i "127.40.$net.1" -p 8266 -P "$(free_port)" \
	    -f "$T/app.bin"
	updated "open$tag" sim-0001 "$T/app.bin" 2
	# with one
	upload 0 "$script" -i "127.40.$((net + 1)).1" -p 8266 \
	    -P "$(free_port)" -a "$PW" -f "$T/app2.bin"
	grep -q 'Authenticating...OK' "$T/up.err" ||
		fail "$tag: no authentication: $(cat "$T/up.err")"
	updated "pw$tag" sim-0001 "$T/app2.bin" 2
	# a wrong one: the device refuses
	old=$(md5 "$T/pw$tag/sim-0002/running.bin")
	upload 1 "$script" -i "127.40.$((net + 1)).2" -p 8266 \
	    -P "$(free_port)" -a not-the-password -f "$T/app2.bin"
	grep -q 'Authentication Failed' "$T/up.err" ||
		fail "$tag: wrong password: $(cat "$T/up.err")"
	unchanged "pw$tag" sim-0002 "$old" 1 "AUTH: Authentication Failed"
	# an image without the magic byte: refused, old image kept
	old=$(md5 "$T/open$tag/sim-0002/running.bin")
	upload 1 "$script" -i "127.40.$net.2" -p 8266 -P "$(free_port)" \
	    -f "$T/nomagic.bin"
	unchanged "open$tag" sim-0002 "$old" 1 "MAGIC: $magic"
	# more than the free space: refused, old image kept
	free=$(device_field "pw$tag" sim-0003 free_space)
	mkimage "$T/big$tag.bin" $((free + 4096)) -s 133
	old=$(md5 "$T/pw$tag/sim-0003/running.bin")
	upload 1 "$script" -i "127.40.$((net + 1)).3" -p 8266 \
	    -P "$(free_port)" -a "$PW" -f "$T/big$tag.bin"
	grep -q 'Not Enough Space' "$T/up.err" ||
		fail "$tag: too large: $(cat "$T/up.err")"
	unchanged "pw$tag" sim-0003 "$old" 1 "SPACE: Not Enough Space"
}

stock "$STOCK8266" esp8266 10 md5 8266 "Magic byte is not 0xE9"
note "ESP8266 core's espota.py: ok ($STOCK8266)"
if [ -n "$STOCK32" ]; then
	stock "$STOCK32" esp32 20 md5 32 "Wrong Magic Byte"
	note "ESP32 core's espota.py: ok ($STOCK32)"
else
	note "ESP32 core's espota.py: not run (set ESPFLEET_STOCK_ESPOTA32)"
fi
echo "stock-espota: ok"
