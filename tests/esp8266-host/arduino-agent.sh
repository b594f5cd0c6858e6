# SPDX-License-Identifier: MIT
# The Arduino port on the real ESP8266 Arduino core: the library made
# self-contained as a user installs it (sync-core, into a scratch folder),
# the FleetAgent example compiled against the pinned core with the host
# emulation of the fixture (../shared/vendor/esp8266-host/build-sketch, the
# library's own warnings are errors, the core build cached between runs),
# then run as an emulated device in a network namespace of its own (only
# lo, 127.0.0.1 there) against espfleet, the stock espota.py and a client
# that cuts the connection. Every case checks what the device staged for
# its bootloader ($EMU_OTA_STAGED): exactly the bytes sent, or nothing.
# The new image's first boot: advertised on trial (TXT efa_state=trial),
# then kept by the example's health check (efa_state=ok, and its log),
# never before its health period (checked on every device run).
# The device is started afresh for each case; ESP.restart() ends it with
# status 0, which is how a successful update shows.
# Skipped (77) only without the fixture or without any way to create a
# network namespace (not root and no unprivileged user namespaces).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

# ---- a private network namespace: the whole test runs inside it ----
# (anonymous: nothing to name or delete, it ends with the last process in
# it; every device there is bounded by timeout and stopped at exit)
if [ "${EFL_ESP8266_NETNS:-}" != inside ]; then
	for uns in "unshare --net" "unshare --map-root-user --net"; do
		if $uns true 2>/dev/null; then
			EFL_ESP8266_NETNS=inside exec $uns bash "$0" "$@"
		fi
	done
	echo "arduino-agent: skipped (cannot create a network namespace:" \
	    "not root and no unprivileged user namespaces)"
	exit 77
fi
ip link set lo up
# the emulated UDP listeners join 224.0.0.1 (and mDNS 224.0.0.251) and fail
# without a multicast route (fixture README)
ip route add 224.0.0.0/4 dev lo src 127.0.0.1
links=$(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')
[ "$links" = "lo " ] || { echo "FAIL: namespace links: $links" >&2; exit 1; }

. "$HERE/../integration/lib.sh"
: "${EFL_TESTS:?set by ctest}"
BUILD_SKETCH=$EFL_VENDOR/esp8266-host/build-sketch
ESPOTA=$EFL_VENDOR/espota/espota.py
for f in "$BUILD_SKETCH" "$ESPOTA"; do
	[ -f "$f" ] || {
		echo "arduino-agent: skipped (no $f: the fixtures are not" \
		    "installed next to the source tree)"
		exit 77
	}
done
PY=/usr/bin/python3
CLIENT=$EFL_TESTS/tools/espota-sha256-client.py
MDNS_TXT=$EFL_TESTS/tools/mdns-txt.py
PW=change-me  # the example's password
printf '%s\n' "$PW" >"$T/password"
printf '%s\n' not-the-password >"$T/wrong-password"
md5() { md5sum <"$1" | cut -d' ' -f1; }

# ---- the library as a user installs it, and the example built twice ----
sh "$EFL_SOURCE_DIR/firmware-agent/ports/arduino/sync-core" "$T/libs" \
    >/dev/null
LIB=$T/libs/EspFleetAgent
# build OUT [build-sketch options]: FleetAgent into $T/OUT/FleetAgent
build() {
	local out=$1
	shift
	"$BUILD_SKETCH" --werror -j 2 "$@" --lib "$LIB" \
	    "$LIB/examples/FleetAgent" "$T/$out" >"$T/$out.build.log" 2>&1 ||
		fail "build-sketch $*: $(tail -30 "$T/$out.build.log")"
	grep -q ' 0 warnings in sketch/library sources' "$T/$out.build.log" ||
		fail "warnings: $(cat "$T/$out.build.log")"
	note "$(grep -E 'core library built|built ' "$T/$out.build.log" |
	    tr '\n' ' ')"
}
t0=$(date +%s)
# the example keeps a new image once it ran HEALTHY_MS with Wi-Fi up (its
# default 10 s, shortened here; the open build keeps the default)
HEALTHY_MS=4000
build pw -D FLEET_HEALTHY_AFTER_MS=$HEALTHY_MS   # password "change-me"
build open -D 'FLEET_OTA_PASSWORD=""'            # no password
note "both builds took $(($(date +%s) - t0)) s"
EXE_PW=$T/pw/FleetAgent
EXE_OPEN=$T/open/FleetAgent

# ---- the emulated device ----
# the FLASH button (GPIO0) held for 0.4 s at power-on: the example opens
# its update window
BUTTON=EMU_GPIO_LOW=0@400

# device_start TAG EXE [VAR=VALUE...]: run EXE as a device with the
# environment given (e.g. $BUTTON), log in $T/TAG.log, staged image in
# $T/TAG.staged; returns once the agent listens (and the window is open)
device_start() {
	local tag=$1 exe=$2
	shift 2
	rm -f "$T/$tag.staged"
	# --foreground: timeout passes a SIGTERM on to the device once, not
	# also to its process group; the emulation takes a second signal
	# that arrives after the first was handled as "stuck" and exits 1
	(cd "$T" && exec env EMU_OTA_STAGED="$T/$tag.staged" "$@" \
	    timeout --foreground 120 "$exe" -S 0 -L 0 </dev/null \
	    >"$T/$tag.log" 2>&1) &
	DEV_PID=$!
	DEV_TAG=$tag
	PIDS+=("$DEV_PID")
	wait_log "FleetAgent: waiting for updates"
	case " $* " in
	*" $BUTTON "*) wait_log "update window open" ;;
	esac
}

# wait_log TEXT: until the device's log has the line TEXT (<= 20 s)
wait_log() {
	for _ in $(seq 200); do
		grep -qF "$1" "$T/$DEV_TAG.log" && return 0
		kill -0 "$DEV_PID" 2>/dev/null ||
			fail "$DEV_TAG: the device ended: $(cat "$T/$DEV_TAG.log")"
		sleep 0.1
	done
	fail "$DEV_TAG: no '$1' in the device's log: $(cat "$T/$DEV_TAG.log")"
}

# device_end [stop]: wait (<= 20 s) for the device to end by itself (an
# update restarts it), or stop it (SIGTERM) first; it must exit with 0
device_end() {
	local rc=0 p others=()
	[ "${1:-}" = stop ] && kill "$DEV_PID"
	for _ in $(seq 200); do
		kill -0 "$DEV_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$DEV_PID" 2>/dev/null &&
		fail "$DEV_TAG: the device did not end: $(cat "$T/$DEV_TAG.log")"
	wait "$DEV_PID" || rc=$?
	for p in "${PIDS[@]}"; do  # gone: not to be stopped at exit
		[ "$p" = "$DEV_PID" ] || others+=("$p")
	done
	PIDS=("${others[@]}")
	[ "$rc" = 0 ] ||
		fail "$DEV_TAG: the device exited $rc: $(cat "$T/$DEV_TAG.log")"
	health_period_kept
}

# health_period_kept: the device ran its image on trial (every boot of the
# ESP8266 port does) and kept it, if it did, no sooner than the health
# period it announced; checked on every device the test ran, as a keep
# too early can depend on the millisecond the check starts in
health_period_kept() {
	local log=$T/$DEV_TAG.log period at
	period=$(sed -n \
	    's/^firmware: on trial until healthy for \([0-9]*\) ms$/\1/p' \
	    "$log")
	at=$(kept_at "$log")
	[ -n "$period" ] || fail "$DEV_TAG: not on trial: $(cat "$log")"
	[ -z "$at" ] || [ "$at" -ge "$period" ] ||
		fail "$DEV_TAG: kept $at ms after its start, before its" \
		    "health period of $period ms"
}

# kept_at LOG: when the device kept its image (ms after its start), or ""
kept_at() {
	sed -n 's/^firmware: healthy, kept (\([0-9]*\) ms after start)$/\1/p' \
	    "$1"
}

# staged IMAGE: the device committed exactly IMAGE and restarted
staged() {
	device_end
	[ -f "$T/$DEV_TAG.staged" ] ||
		fail "$DEV_TAG: nothing staged: $(cat "$T/$DEV_TAG.log")"
	cmp -s "$1" "$T/$DEV_TAG.staged" ||
		fail "$DEV_TAG: the staged image differs from $(basename "$1")"
	grep -qF "staged image of $(stat -c %s "$1") bytes" "$T/$DEV_TAG.log" ||
		fail "$DEV_TAG: no staging in the log: $(cat "$T/$DEV_TAG.log")"
}

# kept TEXT: the device refused (its log says "update: failed: TEXT"),
# staged nothing and keeps running its image
kept() {
	wait_log "update: failed: $1"
	sleep 0.3  # a commit or restart (there must be none) would show now
	kill -0 "$DEV_PID" 2>/dev/null ||
		fail "$DEV_TAG: the device ended: $(cat "$T/$DEV_TAG.log")"
	[ ! -e "$T/$DEV_TAG.staged" ] || fail "$DEV_TAG: an image was staged"
	grep -qF 'staged image' "$T/$DEV_TAG.log" &&
		fail "$DEV_TAG: an image was staged"
	return 0
}

# read_txt: ask for the device's TXT record (mDNS) into $T/txt
read_txt() {
	"$PY" "$MDNS_TXT" -t 15 pump-house >"$T/txt" 2>&1 ||
		fail "$DEV_TAG: TXT record: $(cat "$T/txt")"
}

# txt KEY: the value of KEY in the last TXT record read
txt() {
	sed -n "s/^$1=//p" "$T/txt"
}

# trial_then_kept TAG MD5: the first boot of the image MD5 (the password
# build): the device advertises it with TXT efa_state=trial and its log
# says it is on trial; the example's health check keeps it no sooner than
# HEALTHY_MS after the start ("firmware: healthy, kept"), and the TXT
# record then says efa_state=ok. An efa_state=ok read after the device
# kept the image (a slow machine: the read took HEALTHY_MS) proves
# nothing: the device is started again (3 times at most). Sets KEPT_AT
# (ms after the start) and TRIAL_READS (the starts it took).
trial_then_kept() {
	local tag=$1 md5=$2 state confirmed
	for TRIAL_READS in 1 2 3; do
		device_start "$tag" "$EXE_PW" EMU_SKETCH_MD5="$md5"
		read_txt
		state=$(txt efa_state)
		confirmed=no
		grep -qF 'firmware: healthy, kept' "$T/$tag.log" &&
			confirmed=yes
		[ "$(txt efa_md5)" = "$md5" ] ||
			fail "$tag: TXT efa_md5: $(cat "$T/txt")"
		[ "$state" = trial ] || [ "$state/$confirmed" = ok/yes ] ||
			fail "$tag: TXT efa_state=$state before the health" \
			    "check kept the image: $(cat "$T/txt")"
		wait_log "firmware: healthy, kept"
		health_period_kept
		KEPT_AT=$(kept_at "$T/$tag.log")
		[ "$(grep '^firmware:' "$T/$tag.log")" = "$(printf '%s\n' \
		    "firmware: on trial until healthy for $HEALTHY_MS ms" \
		    "firmware: healthy, kept ($KEPT_AT ms after start)")" ] ||
			fail "$tag: the log: $(cat "$T/$tag.log")"
		[ "$state" = trial ] && break
		[ "$TRIAL_READS" = 3 ] &&
			fail "$tag: efa_state=trial never read: each read" \
			    "came after the device kept the image"
		device_end stop
	done
	read_txt
	[ "$(txt efa_state)" = ok ] && [ "$(txt efa_md5)" = "$md5" ] &&
	    [ -z "$(txt efa_rejected)" ] ||
		fail "$tag: TXT record once kept: $(cat "$T/txt")"
}

# push RC [espfleet push options...] IMAGE: one espfleet push to the
# device, which must exit with RC; its JSON result in $T/push.json
push() {
	local want=$1 rc=0
	shift
	timeout 60 "$ESPFLEET" push --json --no-verify -t 10 "$@" 127.0.0.1 \
	    >"$T/push.json" 2>"$T/push.err" || rc=$?
	[ "$rc" = "$want" ] ||
		fail "push $* exited $rc, not $want: $(cat "$T/push.json" \
		    "$T/push.err")"
}

# result FIELD: a field of the push's result
result() {
	jq -r "select(.event == \"result\") | .$1" "$T/push.json"
}

# refused ERROR TEXT: the push's result is the failure ERROR with the
# device's TEXT in its message
refused() {
	[ "$(result ok)" = false ] && [ "$(result error)" = "$1" ] ||
		fail "$DEV_TAG: not $1: $(cat "$T/push.json")"
	result message | grep -qF "$2" ||
		fail "$DEV_TAG: message is not the device's: $(result message)"
}

# espota RC SCRIPT ARGS...: run an espota client, which must exit with RC
espota() {
	local want=$1 script=$2 rc=0
	shift 2
	timeout 60 "$PY" "$script" -i 127.0.0.1 -p 8266 "$@" \
	    >"$T/espota.out" 2>"$T/espota.err" || rc=$?
	[ "$rc" = "$want" ] || fail "$(basename "$script") $* exited $rc," \
	    "not $want: $(tr '\r' '\n' <"$T/espota.err" | tail -5)"
}

mkimage "$T/app.bin" 300000 -s 140
mkimage "$T/app2.bin" 180000 -s 141
mkimage "$T/nomagic.bin" 50000 -s 142 -m 0x00
head -c 65536 /dev/urandom >"$T/fs.bin"
RUNNING_MD5=0123456789abcdef0123456789abcdef   # the "old" image's MD5

# ---- espfleet push, MD5 password scheme: staged byte for byte ----
device_start ok "$EXE_PW" "$BUTTON" EMU_SKETCH_MD5=$RUNNING_MD5
read_txt
[ "$(txt efa_md5)" = "$RUNNING_MD5" ] || fail "TXT efa_md5: $(cat "$T/txt")"
[ "$(txt efa_ver)" = 1.0.0 ] && [ "$(txt auth_upload)" = yes ] &&
    [ "$(txt efa_auth)" = md5 ] && [ "$(txt efa_chip)" = esp8266 ] ||
	fail "TXT record: $(cat "$T/txt")"
push 0 --password-file "$T/password" "$T/app.bin"
[ "$(result ok)" = true ] && [ "$(result bytes)" = 300000 ] ||
	fail "push: $(cat "$T/push.json")"
staged "$T/app.bin"
# the device "boots" the staged image (the emulation has no bootloader: the
# same program, told that it runs the new image): on trial until the
# example's health check keeps it
trial_then_kept ok-reboot "$(md5 "$T/app.bin")"
device_end stop
note "espfleet push (MD5 scheme): ok; the new image on trial, then kept" \
    "$KEPT_AT ms after its start (trial read $TRIAL_READS time(s))"

# refusal TAG PRESS ERROR TEXT LOG PUSH-ARGS...: a fresh device, its
# button held at power-on (PRESS "pressed": the update window opens) or not
# ("not-pressed"); an espfleet push that fails with ERROR, TEXT in its
# message; the device logs "update: failed: LOG", stages nothing, runs on
refusal() {
	local tag=$1 press=$2 error=$3 text=$4 log=$5 env=()
	shift 5
	[ "$press" = pressed ] && env=("$BUTTON")
	device_start "$tag" "$EXE_PW" "${env[@]}"
	push 1 "$@"
	refused "$error" "$text"
	kept "$log"
	device_end stop
	note "$tag: refused ($error: $text)"
}

refusal wrong-password pressed auth-failed "rejected the password" \
    "Authentication Failed" --password-file "$T/wrong-password" "$T/app.bin"
# sent with --force; the text is the core Updater's
refusal bad-magic pressed image-invalid "Magic byte is not 0xE9" \
    "Magic byte is not 0xE9" --force --password-file "$T/password" \
    "$T/nomagic.bin"
refusal window-closed not-pressed device-error \
    "update window closed, arm the device first" \
    "update window closed, arm the device first" \
    --password-file "$T/password" "$T/app.bin"
# the emulation has no filesystem partition: Update.begin() refuses
refusal fs-image pressed no-space "Not Enough Space" "Not Enough Space" \
    --fs --password-file "$T/password" "$T/fs.bin"

# ---- the connection cut mid-upload: image kept, ready for the next ----
device_start cut "$EXE_PW" "$BUTTON"
espota 1 "$CLIENT" -a "$PW" -f "$T/app.bin" --cut-after 100000
grep -q 'Cut the connection after 100000 bytes' "$T/espota.err" ||
	fail "the client did not cut: $(cat "$T/espota.err")"
grep -qF "update: firmware, 300000 bytes" "$T/cut.log" ||
	fail "cut: the upload never started: $(cat "$T/cut.log")"
kept Aborted
push 0 --password-file "$T/password" "$T/app2.bin"
[ "$(result ok)" = true ] || fail "push after the cut: $(cat "$T/push.json")"
staged "$T/app2.bin"
note "connection cut: image kept, next push ok"

# ---- the stock espota.py of the core: with the password, and without ----
device_start espota-pw "$EXE_PW" "$BUTTON"
espota 0 "$ESPOTA" -a "$PW" -f "$T/app.bin"
grep -q 'Authenticating...OK' "$T/espota.err" ||
	fail "espota.py: no authentication: $(cat "$T/espota.err")"
staged "$T/app.bin"
device_start espota-magic "$EXE_PW" "$BUTTON"
espota 1 "$ESPOTA" -a "$PW" -f "$T/nomagic.bin"   # fails, and ends
kept "Magic byte is not 0xE9"
device_end stop
device_start espota-open "$EXE_OPEN" "$BUTTON"
wait_log "firmware: on trial until healthy for 10000 ms"  # the default
read_txt
[ "$(txt auth_upload)" = no ] || fail "open build: $(cat "$T/txt")"
espota 0 "$ESPOTA" -f "$T/app2.bin"
staged "$T/app2.bin"
note "stock espota.py: ok (password and none), bad magic refused"
echo "arduino-agent: ok"
