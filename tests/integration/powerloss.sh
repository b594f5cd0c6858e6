# SPDX-License-Identifier: MIT
# Power fails during an update, at one flash operation of each phase; the
# device always comes back running EXACTLY its old image or EXACTLY the new
# one (device.json agreeing), and the next push (the fault is one-shot)
# succeeds.
#
# Flash operations (erase or program) of an update of a 40960-byte image
# (10 sectors of 4096 bytes, read 4096 at a time: with --rate the device
# reads at most a window per iteration, and --window 4096 makes that a
# sector) over the 65536-byte factory image (16 sectors), counted from the
# device's boot:
#    1..20    staging: per sector, erase then program (odd = erase)
#    21       commit: the boot record's program -> the device says OK
#    22       boot: the record's "started" word
#    23..70   swap, phase 1: the running image moves up a sector, from the
#             top: per sector erase, program, progress word
#    71..148  swap, phase 2, per sector i: the new image's sector i to i
#             (i < 10: erase, program, progress), then the old one's to
#             the staging area (erase, program, progress)
#    149,150  info record (the new image, on trial): erase, program
#    151,152  record's "retired" word, record sector erase
#    153      the first start of the image on trial, counted
#    154..159 the application confirms it: commit, "started", info record
#             (erase, program), "retired", erase
# Loss at 1..21: the push fails (transfer-failed), old image; at 22..159:
# the push succeeded, the swap resumes at the next boot (or the image is
# confirmed again), new image.
. "$(dirname "$0")/lib.sh"

OPS=(1 2 6 19 20 21 22 23 24 25 70 71 72 73 74 76 148 149 150 151 152 153
    154 155 156 157 158 159)
faults=()
for i in "${!OPS[@]}"; do
	faults+=(--fault "powerloss-at=${OPS[$i]}:$((i + 1))")
done
n=${#OPS[@]}
start_sim fleet --devices "$n" --addr-base 127.36.0.1 --rate 4M --window 4096 \
    -v "${faults[@]}"
mkimage "$T/new.bin" 40960 -s 90
mkimage "$T/newer.bin" 40960 -s 91
md5() { md5sum <"$1" | cut -d' ' -f1; }
name() { printf 'sim-%04d' "$1"; }
for k in $(seq "$n"); do
	cp "$T/fleet/$(name "$k")/running.bin" "$T/old$k.bin"
done

set +e
"$ESPFLEET" push --json -t 5 -r 0 "$T/new.bin" $(addrs 127.36.0.1 "$n") \
    >"$T/p1.json" 2>"$T/p1.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "first push exited $rc, not 1"

for i in "${!OPS[@]}"; do
	k=$((i + 1))
	d=$(name "$k")
	op=${OPS[$i]}
	wait_boot_count fleet "$d" 2
	run="$T/fleet/$d/running.bin"
	[ "$(device_field fleet "$d" running_md5)" = "$(md5 "$run")" ] ||
		fail "$d (loss at op $op): device.json MD5 is not running.bin's"
	if cmp -s "$run" "$T/old$k.bin"; then
		outcome=old
	elif cmp -s "$run" "$T/new.bin"; then
		outcome=new
	else
		fail "$d (loss at op $op) runs neither the old nor the new image"
	fi
	result=$(jq -r --arg a "127.36.0.$k" 'select(.event == "result" and
	    .addr == $a) | if .ok then "ok" else .error end' "$T/p1.json")
	note "power lost at op $op: push $result, device runs the $outcome image"
	if [ "$op" -le 21 ]; then
		[ "$result" = transfer-failed ] && [ "$outcome" = old ] ||
			fail "$d: loss at op $op (staging/commit): $result, $outcome image"
	else
		[ "$result" = ok ] && [ "$outcome" = new ] ||
			fail "$d: loss at op $op (boot copy): $result, $outcome image"
	fi
	[ "$(grep -c "$d: power lost at flash operation" "$T/fleet.err")" = 1 ] ||
		fail "$d: the power did not fail exactly once"
	[ "$(device_field fleet "$d" state)" = online ] || fail "$d not online"
done

# the fault is spent: every device takes the next image
"$ESPFLEET" push --json -t 5 -r 0 "$T/newer.bin" $(addrs 127.36.0.1 "$n") \
    >"$T/p2.json" 2>"$T/p2.err" || fail "second push exited $?"
[ "$(json_count "$T/p2.json" '.event == "result" and .ok')" = "$n" ] ||
	fail "second push: not $n ok"
for k in $(seq "$n"); do
	d=$(name "$k")
	wait_boot_count fleet "$d" 3
	cmp -s "$T/newer.bin" "$T/fleet/$d/running.bin" ||
		fail "$d does not run the newer image"
	[ "$(device_field fleet "$d" running_md5)" = "$(md5 "$T/newer.bin")" ] ||
		fail "$d: device.json MD5"
done
[ "$(grep -c 'power lost at flash operation' "$T/fleet.err")" = "$n" ] ||
	fail "a power loss during the second push"
echo "powerloss: ok"
