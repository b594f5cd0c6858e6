# SPDX-License-Identifier: MIT
# push --compress: a real lx106 image (the agent core and a unit test,
# tests/tools/lx106-image.sh), pushed gzipped to simulated devices: the
# device stores the gzip stream, inflates it before the commit and runs
# exactly the uncompressed image; at most 0.75 x the raw size goes over
# the wire; JSON bytes (sent) and image_bytes (run); the terminal summary
# shows the saving. An image gzipped already is sent as it is; a gzip
# stream that does not inflate is refused by push (exit 3) and, sent
# anyway (espfleet espota), by the device, which keeps its old image.
# --compress with a bad value is a usage error. Skips (77) without the
# lx106 cross compiler.
. "$(dirname "$0")/lib.sh"

rc=0
"$EFL_TESTS/tools/lx106-image.sh" "$T/app.bin" || rc=$?
[ "$rc" = 77 ] && { echo "push-compress: no lx106 compiler: skipped"; exit 77; }
[ "$rc" = 0 ] || fail "lx106-image.sh exited $rc"
RAW=$(stat -c %s "$T/app.bin")

start_sim fleet --devices 3 --addr-base 127.115.0.1 -v
for k in 1 2 3; do cp "$T/fleet/sim-000$k/running.bin" "$T/old$k.bin"; done

"$ESPFLEET" push --compress gzip --json "$T/app.bin" 127.115.0.1 \
    >"$T/gz.json" || fail "push --compress gzip exited $?"
wait_boot_count fleet sim-0001 2
cmp -s "$T/app.bin" "$T/fleet/sim-0001/running.bin" ||
	fail "sim-0001 does not run the uncompressed image"
[ "$(device_field fleet sim-0001 running_md5)" = \
    "$(md5sum <"$T/app.bin" | cut -d' ' -f1)" ] || fail "running_md5"
SENT=$(jq -r 'select(.event == "result") | .bytes' "$T/gz.json")
IMG=$(jq -r 'select(.event == "result") | .image_bytes' "$T/gz.json")
[ "$IMG" = "$RAW" ] || fail "image_bytes $IMG, not $RAW"
[ $((SENT * 100)) -le $((RAW * 75)) ] ||
	fail "sent $SENT bytes of $RAW: more than 0.75 x"
[ "$(json_count "$T/gz.json" '.event == "summary" and
    .bytes < .image_bytes')" = 1 ] || fail "summary bytes/image_bytes"
grep -q "inflated the gzip image: $SENT -> $RAW bytes" "$T/fleet.err" ||
	fail "the device did not inflate what was sent"
note "sent $SENT of $RAW bytes ($((SENT * 100 / RAW))%)"

# plain output: the saving
"$ESPFLEET" push --compress gzip "$T/app.bin" 127.115.0.2 \
    >"$T/plain.out" || fail "plain push"
grep -q '^compressed: .* sent for .* of images (.*% saved)$' \
    "$T/plain.out" || fail "no saving in the summary"
wait_boot_count fleet sim-0002 2
cmp -s "$T/app.bin" "$T/fleet/sim-0002/running.bin" || fail "sim-0002"

# --compress none (the default) sends the raw bytes
"$ESPFLEET" push --compress none --json "$T/app.bin" 127.115.0.3 \
    >"$T/none.json" || fail "push --compress none"
[ "$(jq -r 'select(.event == "result") | .bytes' "$T/none.json")" = \
    "$RAW" ] || fail "--compress none did not send the raw image"
wait_boot_count fleet sim-0003 2

# an image gzipped already is sent as it is (auto: nothing to do)
gzip -9 -n -c "$T/old1.bin" >"$T/old1.bin.gz"
"$ESPFLEET" push --compress auto --json "$T/old1.bin.gz" 127.115.0.1 \
    >"$T/pre.json" || fail "push of a .gz exited $?"
[ "$(jq -r 'select(.event == "result") | .bytes' "$T/pre.json")" = \
    "$(stat -c %s "$T/old1.bin.gz")" ] || fail ".gz not sent as it is"
[ "$(jq -r 'select(.event == "result") | .image_bytes' "$T/pre.json")" = \
    "$(stat -c %s "$T/old1.bin")" ] || fail ".gz image_bytes"
wait_boot_count fleet sim-0001 3
cmp -s "$T/old1.bin" "$T/fleet/sim-0001/running.bin" || fail "sim-0001 .gz"

# a gzip stream that does not inflate: push refuses it before sending
python3 - "$T/app.bin" "$T/bad.gz" <<'PY'
import gzip, sys
z = bytearray(gzip.compress(open(sys.argv[1], 'rb').read(), 9, mtime=0))
z[len(z) // 2] ^= 0xff          # corrupt the deflate data, keep the trailer
open(sys.argv[2], 'wb').write(z)
PY
rc=0
"$ESPFLEET" push "$T/bad.gz" 127.115.0.2 2>"$T/bad.err" || rc=$?
[ "$rc" = 3 ] || fail "push of a corrupt .gz exited $rc, not 3"
grep -q 'does not inflate' "$T/bad.err" || fail "corrupt .gz message"
# sent anyway: the device refuses it before the commit, keeps its image
rc=0
"$ESPFLEET" espota -i 127.115.0.2 -f "$T/bad.gz" >"$T/espota.out" 2>&1 ||
	rc=$?
[ "$rc" != 0 ] || fail "the device took a corrupt gzip stream"
grep -q 'gzip image does not inflate' "$T/espota.out" ||
	fail "device error text: $(cat "$T/espota.out")"
sleep 0.5
cmp -s "$T/app.bin" "$T/fleet/sim-0002/running.bin" ||
	fail "sim-0002 lost its image"
[ "$(device_field fleet sim-0002 boot_count)" = 2 ] ||
	fail "sim-0002 rebooted after a refused update"

rc=0
"$ESPFLEET" push --compress zip "$T/app.bin" 127.115.0.1 2>/dev/null ||
	rc=$?
[ "$rc" = 2 ] || fail "--compress zip exited $rc, not 2"
echo "push-compress: ok"
