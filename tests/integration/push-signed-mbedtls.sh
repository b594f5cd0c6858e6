# SPDX-License-Identifier: MIT
# Signed updates checked by the agent's mbedTLS verifier (ports/mbedtls,
# what the ESP-IDF port runs), over real sockets: espfleet-sim
# --signing-key with --verifier mbedtls. ESP32 fleets (the IDF's format,
# SignedOTA) with an ECDSA P-256 and an RSA-PSS key, an ESP8266 fleet
# (RSA PKCS#1 v1.5) over two event loops: images made by espfleet sign
# are taken and the devices run exactly the unsigned bytes; unsigned,
# tampered, wrongly signed and other-format images are refused before the
# commit (old image kept, no reboot, push says signature-invalid with the
# stock core's text). A key mbedTLS cannot use stops the simulator.
. "$(dirname "$0")/lib.sh"

K=$T/keys
mkdir "$K"
for k in rsa other; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$K/$k.pem" 2>/dev/null
done
for k in ec ec-other; do
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$K/$k.pem" 2>/dev/null
done
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 \
    -out "$K/k1.pem" 2>/dev/null
for k in rsa ec k1; do
	openssl pkey -in "$K/$k.pem" -pubout -out "$K/$k.pub"
done

mkimage "$T/app.bin" 100000 -s 51
sign() {   # OUT KEY FORMAT
	"$ESPFLEET" sign --key "$K/$2.pem" --format "$3" -o "$T/$1" \
	    "$T/app.bin" >/dev/null || fail "sign $1 exited $?"
}
sign ec32 ec esp32
sign ec32-other ec-other esp32
sign rsa32 rsa esp32
sign rsa8266 rsa esp8266
sign other8266 other esp8266
python3 - "$T/ec32" "$T/ec32-tampered" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[5000] ^= 0x20
open(sys.argv[2], 'wb').write(d)
PY

# taken: the device reboots into exactly the unsigned image
taken() {   # FLEET DEVICE ADDR IMAGE
	"$ESPFLEET" push --json "$T/$4" "$3" >"$T/$1-$2.json" ||
		fail "$1/$2: signed push ($4) exited $?: $(cat "$T/$1-$2.json")"
	wait_boot_count "$1" "$2" 2
	cmp -s "$T/app.bin" "$T/$1/$2/running.bin" ||
		fail "$1/$2 does not run the unsigned image"
}
# refused before the commit: the old image stays, signature-invalid
refused() {   # FLEET DEVICE ADDR IMAGE
	local old=$T/$1-$2.old rc=0

	cp "$T/$1/$2/running.bin" "$old"
	"$ESPFLEET" push --json "$T/$4" "$3" >"$T/$1-$2-$4.json" || rc=$?
	[ "$rc" = 1 ] || fail "$1/$2 $4: push exited $rc, not 1"
	[ "$(json_count "$T/$1-$2-$4.json" '.event == "result" and
	    .error == "signature-invalid" and
	    (.message | test("Signature verification failed"))')" = 1 ] ||
		fail "$1/$2 $4: $(cat "$T/$1-$2-$4.json")"
	sleep 0.3
	cmp -s "$old" "$T/$1/$2/running.bin" || fail "$1/$2 $4: old image gone"
	[ "$(device_field "$1" "$2" boot_count)" = 1 ] ||
		fail "$1/$2 $4: the device rebooted"
}

# --- ESP32, ECDSA P-256 ---
# (one device per refusal: each push meets an idle device)
start_sim fleet-ec --chip esp32 --devices 5 --addr-base 127.118.0.1 \
    --signing-key "$K/ec.pub" --verifier mbedtls -v
refused fleet-ec sim-0002 127.118.0.2 app.bin
refused fleet-ec sim-0003 127.118.0.3 ec32-tampered
refused fleet-ec sim-0004 127.118.0.4 ec32-other
refused fleet-ec sim-0005 127.118.0.5 rsa32
taken fleet-ec sim-0001 127.118.0.1 ec32
grep -q 'signature of the staged image refused (mbedTLS)' "$T/fleet-ec.err" ||
	fail "the refusals were not mbedTLS's"

# --- ESP32, RSA-PSS ---
start_sim fleet-pss --chip esp32 --devices 2 --addr-base 127.118.0.11 \
    --signing-key "$K/rsa.pub" --verifier mbedtls
refused fleet-pss sim-0002 127.118.0.12 rsa8266
taken fleet-pss sim-0001 127.118.0.11 rsa32

# --- ESP8266, RSA PKCS#1 v1.5, devices in two event loops ---
start_sim fleet-8266 --devices 4 --threads 2 --addr-base 127.118.0.21 \
    --signing-key "$K/rsa.pub" --verifier mbedtls
refused fleet-8266 sim-0002 127.118.0.22 other8266
refused fleet-8266 sim-0003 127.118.0.23 rsa32
"$ESPFLEET" push --json "$T/rsa8266" 127.118.0.21 127.118.0.24 \
    >"$T/two.json" || fail "two-slice push exited $?"
for d in sim-0001 sim-0004; do
	wait_boot_count fleet-8266 "$d" 2
	cmp -s "$T/app.bin" "$T/fleet-8266/$d/running.bin" ||
		fail "fleet-8266/$d does not run the unsigned image"
done

# --- keys the verifier does not take stop the simulator ---
rc=0
timeout 10 "$ESPFLEET_SIM" --state-dir "$T/bad" --chip esp32 --devices 1 \
    --addr-base 127.118.0.31 --signing-key "$K/k1.pub" \
    --verifier mbedtls >/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" != 0 ] || fail "a secp256k1 key was taken"
rc=0
timeout 10 "$ESPFLEET_SIM" --state-dir "$T/bad2" --devices 1 \
    --addr-base 127.118.0.31 --verifier mbedtls >/dev/null \
    2>"$T/bad2.err" || rc=$?
[ "$rc" = 2 ] || fail "--verifier without --signing-key: exit $rc"
echo "push-signed-mbedtls: ok"
