# SPDX-License-Identifier: MIT
# The image is read once, whole, at start: a file shortened and rewritten
# while it is being pushed (a rebuild) changes nothing that is sent. push
# over espota, push --via http (to a slow fake update page,
# tests/tools/slow-update-page.py) and the espota drop-in each finish ok,
# and each device gets the image as it was at start (its MD5).
# Runs in a private network namespace of its own (root, unshare -n) whose
# TCP buffers are kept small, as a device's window keeps them: most of the
# image is still unsent when the file changes.
EFL_UNSHARE="-n"
. "$(dirname "$0")/lib.sh"
ip link set lo up
sysctl -q -w net.ipv4.tcp_wmem="4096 16384 65536" \
    net.ipv4.tcp_rmem="4096 16384 65536" || fail "cannot set TCP buffers"

start_sim slow --devices 2 --addr-base 127.74.0.1 --rate 250000
mkimage "$T/orig.bin" 1000000 -s 74
MD5=$(md5sum <"$T/orig.bin" | cut -d' ' -f1)
for n in espota http dropin; do cp "$T/orig.bin" "$T/$n.bin"; done

python3 "$EFL_TESTS/tools/slow-update-page.py" 127.74.1.1 8080 250000 \
    "$T/page.got" >"$T/page.out" 2>"$T/page.err" &
PAGE_PID=$!
PIDS+=("$PAGE_PID")
for _ in $(seq 50); do
	grep -q ready "$T/page.out" 2>/dev/null && break
	sleep 0.1
done
grep -q ready "$T/page.out" || fail "the fake update page did not start"

"$ESPFLEET" push --json -t 10 -r 0 "$T/espota.bin" 127.74.0.1 \
    >"$T/espota.json" 2>"$T/espota.err" &
P1=$!
"$ESPFLEET" push --via http --no-verify --json -t 10 -r 0 "$T/http.bin" \
    127.74.1.1:8080 >"$T/http.json" 2>"$T/http.err" &
P2=$!
"$ESPFLEET" espota -i 127.74.0.2 -f "$T/dropin.bin" -t 10 \
    >"$T/dropin.out" 2>"$T/dropin.err" &
P3=$!
PIDS+=("$P1" "$P2" "$P3")
# while they upload (4 s each at 250 kB/s): shorten every file, then
# write other bytes into it
sleep 1
for n in espota http dropin; do
	truncate -s 1000 "$T/$n.bin"
done
sleep 0.3
for n in espota http dropin; do
	head -c 500000 /dev/zero >>"$T/$n.bin"
done

for p in "$P1:espota" "$P2:http" "$P3:dropin"; do
	rc=0
	wait "${p%%:*}" || rc=$?
	[ "$rc" = 0 ] || fail "${p#*:} exited $rc: $(cat "$T/${p#*:}.err")"
done
for n in espota http; do
	jq -se --arg m "$MD5" '[.[] | select(.event == "result")] |
	    length == 1 and .[0].ok and .[0].bytes == 1000000' \
	    "$T/$n.json" >/dev/null || fail "$n result: $(cat "$T/$n.json")"
done
wait_boot_count slow sim-0001 2
wait_boot_count slow sim-0002 2
for k in 0001 0002; do
	[ "$(device_field slow "sim-$k" running_md5)" = "$MD5" ] ||
		fail "sim-$k runs $(device_field slow "sim-$k" running_md5)"
done
wait "$PAGE_PID" || fail "the fake update page: $(cat "$T/page.err")"
[ "$(cat "$T/page.got")" = "1000000 $MD5" ] ||
	fail "the update page got $(cat "$T/page.got")"
echo "image-shortened: ok"
