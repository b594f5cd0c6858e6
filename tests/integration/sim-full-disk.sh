# SPDX-License-Identifier: MIT
# espfleet-sim on a full disk models a failed flash write as a device would
# see one: the update fails ("Flash Write Failed"), the old image stays and
# boots, device.json and running.bin agree with each other and with what
# the device runs - never a 0-byte running image, never a running.bin that
# differs from device.json. Two amounts of free space, as the two ways it
# used to go wrong: (a) room to stage the image but not to copy it at boot
# (the device came back running 0 bytes); (b) room for the flash but not for
# running.bin (device.json said new, running.bin stayed old). With room
# again the same device takes the update.
# Runs in private mount and network namespaces of its own (root) on a small
# tmpfs it mounts there.
EFL_UNSHARE="-m -n"
. "$(dirname "$0")/lib.sh"
ip link set lo up
mkdir "$T/disk"
mount -t tmpfs -o size=8m tmpfs "$T/disk" || fail "cannot mount a tmpfs"
# the simulator stops before the tmpfs goes, the tmpfs before $T
trap 'for p in "${PIDS[@]}"; do stop_pid "$p"; done
	umount "$T/disk" 2>/dev/null; cleanup' EXIT

IMG=600000
mkimage "$T/app.bin" $IMG -s 78
MD5=$(md5sum <"$T/app.bin" | cut -d' ' -f1)
BLOCK=4096
blocks() { echo $(( ($1 + BLOCK - 1) / BLOCK )); }
free_bytes() { df -B1 --output=avail "$T/disk" | tail -1 | tr -d ' '; }

# leave FREE bytes free on the tmpfs (the filler file takes the rest)
leave_free() {
	local want=$1 have
	rm -f "$T/disk/filler"
	have=$(free_bytes)
	[ "$have" -gt "$want" ] || fail "only $have bytes free, want $want"
	fallocate -l $((have - want)) "$T/disk/filler" ||
		fail "cannot fill the tmpfs"
}

# consistent DEVICE: device.json and running.bin tell the same, the old or
# the new image, and it is not empty; prints the MD5
consistent() {
	local dir=$T/disk/state/$1 md5 size
	md5=$(jq -r .running_md5 "$dir/device.json")
	size=$(jq -r .running_size "$dir/device.json")
	[ "$size" -gt 0 ] || fail "$1 runs a $size-byte image"
	[ "$(stat -c %s "$dir/running.bin")" = "$size" ] ||
		fail "$1: running.bin has $(stat -c %s "$dir/running.bin")" \
		    "bytes, device.json says $size"
	[ "$(md5sum <"$dir/running.bin" | cut -d' ' -f1)" = "$md5" ] ||
		fail "$1: running.bin is not the image device.json names"
	echo "$md5"
}

start_sim disk/state --devices 2 --addr-base 127.78.0.1
OLD1=$(consistent sim-0001)
OLD2=$(consistent sim-0002)
FACTORY=$(jq -r .running_size "$T/disk/state/sim-0001/device.json")

# push_fails ADDR DEVICE OLD_MD5 WHAT: the push fails with a flash write
# error, the device keeps its old image, consistently
push_fails() {
	local rc=0
	"$ESPFLEET" push --json -t 5 -r 0 "$T/app.bin" "$1" \
	    >"$T/$2.json" 2>"$T/$2.err" || rc=$?
	sleep 1.5    # a device that wrongly rebooted would be back by now
	kill -0 "$SIM_PID" 2>/dev/null || fail "espfleet-sim died ($4)"
	[ "$rc" = 1 ] || fail "push with $4 exited $rc: $(cat "$T/$2.json")"
	jq -se '[.[] | select(.event == "result")] | length == 1 and
	    (.[0].message | test("Flash Write Failed"))' "$T/$2.json" \
	    >/dev/null || fail "$4: $(jq -c 'select(.event == "result")' \
	    "$T/$2.json")"
	[ "$(consistent "$2")" = "$3" ] || fail "$2 lost its old image ($4)"
	[ "$(device_field disk/state "$2" boot_count)" = 1 ] ||
		fail "$2 rebooted ($4)"
}

# (a) room to stage the image, not to copy it over the running one
leave_free $(( (2 * $(blocks $IMG) - $(blocks "$FACTORY") - 40) * BLOCK ))
push_fails 127.78.0.1 sim-0001 "$OLD1" "room to stage only"
# (b) room for the flash work, not for running.bin
leave_free $(( (3 * $(blocks $IMG) - $(blocks "$FACTORY") - 40) * BLOCK ))
push_fails 127.78.0.2 sim-0002 "$OLD2" "no room for running.bin"

# room again: both take it
rm -f "$T/disk/filler"
"$ESPFLEET" push --json -t 5 "$T/app.bin" 127.78.0.1 127.78.0.2 \
    >"$T/ok.json" 2>"$T/ok.err" || fail "push with room: $(cat "$T/ok.json")"
for k in 0001 0002; do
	wait_boot_count disk/state "sim-$k" 2
	[ "$(consistent "sim-$k")" = "$MD5" ] ||
		fail "sim-$k: not the new image"
done
echo "sim-full-disk: ok"
