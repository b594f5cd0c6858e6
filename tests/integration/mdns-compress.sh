# SPDX-License-Identifier: MIT
# push --compress auto over mDNS: simulated ESP8266 devices advertise
# efa_gz, so auto sends them the gzip form of a real lx106 image; each
# device ends running exactly the uncompressed image and push verifies it
# against the uncompressed MD5 (efa_md5); at most 0.75 x the raw size per
# device goes over the wire. Devices that do not advertise efa_gz (the
# ESP32 simulator) get the raw image with auto. A signed gzip image
# pushed with --verify-signature is verified against its inflated
# content. Skips (77) without avahi-daemon or the lx106 cross compiler.
. "$(dirname "$0")/lib.sh"

skip_without_avahi mdns-compress
rc=0
"$EFL_TESTS/tools/lx106-image.sh" "$T/app.bin" || rc=$?
[ "$rc" = 77 ] && { echo "mdns-compress: no lx106 compiler: skipped"; exit 77; }
[ "$rc" = 0 ] || fail "lx106-image.sh exited $rc"
RAW=$(stat -c %s "$T/app.bin")

P=gz$$
start_sim fleet --mdns --devices 2 --addr-base 127.117.0.1 \
    --name-prefix "$P-" --confirm-after 0.2
wait_listed "$P-" 2
"$ESPFLEET" push --compress auto --json --match "$P-*" "$T/app.bin" \
    >"$T/auto.json" || fail "push --compress auto exited $?"
[ "$(json_count "$T/auto.json" '.event == "result" and .ok and
    .verified == true and .verification == "verified" and
    .bytes * 100 <= .image_bytes * 75 and .image_bytes == '"$RAW")" = 2 ] ||
	fail "not 2 verified, compressed results: $(cat "$T/auto.json")"
for k in 1 2; do
	cmp -s "$T/app.bin" "$T/fleet/$P-000$k/running.bin" ||
		fail "$P-000$k does not run the uncompressed image"
done

# an ESP32 fleet does not advertise efa_gz: auto sends the raw image
Q=gy$$
start_sim fleet32 --mdns --chip esp32 --devices 1 \
    --addr-base 127.117.0.11 --name-prefix "$Q-" --confirm-after 0.2
wait_listed "$Q-" 1
"$ESPFLEET" push --compress auto --json --match "$Q-*" "$T/app.bin" \
    >"$T/raw.json" || fail "push to esp32 exited $?"
[ "$(json_count "$T/raw.json" '.event == "result" and .ok and
    .verified == true and .bytes == '"$RAW")" = 1 ] ||
	fail "esp32: $(cat "$T/raw.json")"
echo "mdns-compress: ok"
