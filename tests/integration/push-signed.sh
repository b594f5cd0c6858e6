# SPDX-License-Identifier: MIT
# Signed updates end to end. espfleet sign: the ESP8266 format verifies
# with `openssl dgst -sha256 -verify`, the ESP32 format with OpenSSL's
# RSA-PSS and ECDSA verification. espfleet-sim --signing-key: a signed
# image is taken and the device runs exactly the unsigned bytes; an
# unsigned, a tampered and a wrongly signed image are refused before the
# commit (old image kept, push says signature-invalid); a signed gzip
# image (gzip, then sign) is taken and runs inflated. push
# --verify-signature refuses (exit 3) what the key did not sign before
# sending anything.
. "$(dirname "$0")/lib.sh"

K=$T/keys
mkdir "$K"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$K/rsa.pem" 2>/dev/null
openssl pkey -in "$K/rsa.pem" -pubout -out "$K/rsa.pub"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$K/other.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$K/ec.pem" 2>/dev/null
openssl pkey -in "$K/ec.pem" -pubout -out "$K/ec.pub"

mkimage "$T/app.bin" 120000 -s 41
mkimage "$T/app2.bin" 90000 -s 42
SIZE=$(stat -c %s "$T/app.bin")
tail_u32() { python3 -c 'import sys,struct; d=open(sys.argv[1],"rb").read(); print(struct.unpack("<I", d[-4:])[0])' "$1"; }

# --- the formats, checked by OpenSSL's own tools ---
"$ESPFLEET" sign --key "$K/rsa.pem" "$T/app.bin" >/dev/null ||
	fail "sign exited $?"
L=$(tail_u32 "$T/app.bin.signed")
[ "$L" = 256 ] || fail "ESP8266 trailer length $L"
head -c "$SIZE" "$T/app.bin.signed" | cmp -s - "$T/app.bin" ||
	fail "the signed file does not start with the image"
tail -c $((L + 4)) "$T/app.bin.signed" | head -c "$L" >"$T/sig8266"
openssl dgst -sha256 -verify "$K/rsa.pub" -signature "$T/sig8266" \
    "$T/app.bin" >/dev/null || fail "openssl: ESP8266 signature"
"$ESPFLEET" sign --key "$K/rsa.pem" --format esp32 -o "$T/app.rsa32" \
    "$T/app.bin" >/dev/null || fail "sign --format esp32 (RSA)"
[ "$(stat -c %s "$T/app.rsa32")" = $((SIZE + 512)) ] || fail "ESP32 size"
tail -c 512 "$T/app.rsa32" | head -c 256 >"$T/sig32"
openssl dgst -sha256 -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:max -verify "$K/rsa.pub" \
    -signature "$T/sig32" "$T/app.bin" >/dev/null ||
	fail "openssl: ESP32 RSA-PSS signature"
"$ESPFLEET" sign --key "$K/ec.pem" --format esp32 -o "$T/app.ec32" \
    "$T/app.bin" >/dev/null || fail "sign --format esp32 (ECDSA)"
python3 - "$T/app.ec32" "$T/sigec" <<'PY'
import sys
blk = open(sys.argv[1], 'rb').read()[-512:]
assert blk[0] == 0x30 and blk[1] < 0x80
open(sys.argv[2], 'wb').write(blk[:2 + blk[1]])
assert not any(blk[2 + blk[1]:])
PY
openssl dgst -sha256 -verify "$K/ec.pub" -signature "$T/sigec" \
    "$T/app.bin" >/dev/null || fail "openssl: ESP32 ECDSA signature"
rc=0
"$ESPFLEET" sign --key "$K/ec.pem" "$T/app.bin" 2>/dev/null || rc=$?
[ "$rc" = 3 ] || fail "ECDSA in the ESP8266 format: exit $rc"
rc=0
"$ESPFLEET" sign --key "$K/rsa.pem" -o "$T/app.bin" "$T/app.bin" \
    2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "sign over its own input: exit $rc"

# --- push --verify-signature: nothing sent for a bad image ---
rc=0
"$ESPFLEET" push --verify-signature "$K/rsa.pub" "$T/app.bin" \
    127.116.0.1 2>"$T/nosig.err" || rc=$?
[ "$rc" = 3 ] || fail "unsigned image with --verify-signature: exit $rc"
grep -q 'is not signed with the key' "$T/nosig.err" || fail "message"

# --- devices that require signatures ---
start_sim fleet --devices 4 --addr-base 127.116.0.1 \
    --signing-key "$K/rsa.pub" -v
for k in 1 2 3 4; do cp "$T/fleet/sim-000$k/running.bin" "$T/old$k.bin"; done

"$ESPFLEET" push --verify-signature "$K/rsa.pub" --json \
    "$T/app.bin.signed" 127.116.0.1 >"$T/ok.json" ||
	fail "signed push exited $?"
wait_boot_count fleet sim-0001 2
cmp -s "$T/app.bin" "$T/fleet/sim-0001/running.bin" ||
	fail "sim-0001 does not run the unsigned image"
[ "$(jq -r 'select(.event == "result") | .image_bytes' "$T/ok.json")" = \
    "$SIZE" ] || fail "image_bytes of a signed image"

# refused before the commit: the old image stays, signature-invalid
refused() {   # NAME IMAGE DEVICE-ADDR K
	rc=0
	"$ESPFLEET" push --json "$2" "$3" >"$T/$1.json" || rc=$?
	[ "$rc" = 1 ] || fail "$1: push exited $rc, not 1"
	[ "$(json_count "$T/$1.json" '.event == "result" and
	    .error == "signature-invalid" and
	    (.message | test("Signature verification failed"))')" = 1 ] ||
		fail "$1: $(cat "$T/$1.json")"
	sleep 0.3
	cmp -s "$T/old$4.bin" "$T/fleet/sim-000$4/running.bin" ||
		fail "$1: the old image is gone"
	[ "$(device_field fleet "sim-000$4" boot_count)" = 1 ] ||
		fail "$1: the device rebooted"
}
refused unsigned "$T/app2.bin" 127.116.0.2 2
python3 - "$T/app.bin.signed" "$T/tampered" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[1000] ^= 1
open(sys.argv[2], 'wb').write(d)
PY
refused tampered "$T/tampered" 127.116.0.2 2
"$ESPFLEET" sign --key "$K/other.pem" -o "$T/other.signed" "$T/app.bin" \
    >/dev/null
refused wrong-key "$T/other.signed" 127.116.0.3 3

# gzip, then sign: taken, runs inflated; push verifies the content
gzip -9 -n -c "$T/app2.bin" >"$T/app2.bin.gz"
"$ESPFLEET" sign --key "$K/rsa.pem" "$T/app2.bin.gz" >/dev/null
"$ESPFLEET" push --verify-signature "$K/rsa.pub" --json \
    "$T/app2.bin.gz.signed" 127.116.0.4 >"$T/gz.json" ||
	fail "signed gzip push exited $?"
wait_boot_count fleet sim-0004 2
cmp -s "$T/app2.bin" "$T/fleet/sim-0004/running.bin" ||
	fail "sim-0004 does not run the inflated image"
[ "$(jq -r 'select(.event == "result") | .image_bytes' "$T/gz.json")" = \
    "$(stat -c %s "$T/app2.bin")" ] || fail "image_bytes of a signed .gz"
# compressing a signed image would break its signature: refused
rc=0
"$ESPFLEET" push --verify-signature "$K/rsa.pub" --compress gzip \
    "$T/app.bin.signed" 127.116.0.4 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--compress on a signed image: exit $rc"
# an ESP32 fleet with an ECDSA key: the SignedOTA format
start_sim fleet32 --chip esp32 --devices 2 --addr-base 127.116.0.11 \
    --signing-key "$K/ec.pub"
cp "$T/fleet32/sim-0002/running.bin" "$T/old32.bin"
"$ESPFLEET" push --verify-signature "$K/ec.pub" "$T/app.ec32" \
    127.116.0.11 >/dev/null || fail "ESP32 signed push exited $?"
wait_boot_count fleet32 sim-0001 2
cmp -s "$T/app.bin" "$T/fleet32/sim-0001/running.bin" ||
	fail "esp32 sim-0001 does not run the unsigned image"
rc=0
"$ESPFLEET" push --json "$T/app.rsa32" 127.116.0.12 \
    >"$T/esp32-rsa.json" || rc=$?
[ "$rc" = 1 ] && [ "$(json_count "$T/esp32-rsa.json" '.event == "result"
    and .error == "signature-invalid"')" = 1 ] ||
	fail "esp32: an RSA-signed image taken by an ECDSA device"
cmp -s "$T/old32.bin" "$T/fleet32/sim-0002/running.bin" ||
	fail "esp32 sim-0002 lost its image"
echo "push-signed: ok"
