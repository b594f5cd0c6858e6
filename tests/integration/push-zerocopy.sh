# SPDX-License-Identifier: MIT
# The image goes to the kernel without a copy per device: sendfile(2) from
# one in-memory file (src/push/image-send.c), seen with strace (the test is
# skipped without it): sendfile carries the image, write(2) and writev(2)
# none of it. Where the socket is full (EAGAIN, injected after 512 KiB of
# one device) sendfile goes on when it has room again; where sendfile
# stops working (EINVAL there) the rest goes by uv_write from that offset,
# and where it cannot be used at all (ENOSYS) all of it: the devices run
# exactly the image every time.
. "$(dirname "$0")/lib.sh"

strace -qq -o /dev/null true 2>/dev/null || {
	echo "push-zerocopy: no strace (or ptrace not allowed): skipped"
	exit 77
}
start_sim fleet --devices 2 --addr-base 127.46.0.1 --reboot-ms 100
mkimage "$T/a.bin" 1048576 -s 61
mkimage "$T/b.bin" 1048576 -s 62

boots=1
# push IMAGE STRACE-OPTIONS...: to both devices, traced; both run IMAGE
push() {
	local img=$1
	shift
	# (a sanitizer build: LeakSanitizer cannot run under ptrace)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -qq -e trace=sendfile,write,writev "$@" -o "$T/trace" \
	    "$ESPFLEET" push --json "$img" 127.46.0.1 127.46.0.2 \
	    >"$T/push.json" || fail "push exited $? ($*)"
	[ "$(json_count "$T/push.json" '.event == "result" and .ok and
	    .bytes == 1048576')" = 2 ] || fail "not 2 ok results ($*)"
	boots=$((boots + 1))
	for k in 1 2; do
		wait_boot_count fleet sim-000$k "$boots"
		cmp -s "$img" "$T/fleet/sim-000$k/running.bin" ||
			fail "sim-000$k runs something else ($*)"
	done
}
# bytes that CALL (sendfile, write, writev) moved, all calls
moved_by() {
	awk -v c="$1" '$2 ~ "^" c "\\(" && $NF ~ /^[0-9]+$/ { s += $NF }
	    END { print s + 0 }' "$T/trace"
}
written() { echo $(($(moved_by write) + $(moved_by writev))); }

push "$T/a.bin"
note "sendfile $(moved_by sendfile) bytes, write/writev $(written)"
[ "$(moved_by sendfile)" = 2097152 ] ||
	fail "sendfile carried $(moved_by sendfile) of 2097152 bytes"
# the output lines and the in-memory file (1 MiB once) only
[ "$(written)" -lt $((1048576 + 65536)) ] ||
	fail "$(written) bytes written: the image copied per device"

# the third call (256 KiB each) finds the socket full: sendfile goes on
# when there is room
push "$T/b.bin" -e inject=sendfile:error=EAGAIN:when=3
note "EAGAIN at the third call: sendfile $(moved_by sendfile), write/writev $(written)"
[ "$(grep -c 'sendfile(.*EAGAIN' "$T/trace")" = 1 ] || fail "no EAGAIN seen"
[ "$(moved_by sendfile)" = 2097152 ] ||
	fail "sendfile carried $(moved_by sendfile) of 2097152 bytes"
[ "$(written)" -lt $((1048576 + 65536)) ] ||
	fail "$(written) bytes written after EAGAIN"

# the third call fails: one device's second half goes by write, the other
# device's image by sendfile
push "$T/a.bin" -e inject=sendfile:error=EINVAL:when=3
note "EINVAL at the third call: sendfile $(moved_by sendfile), write/writev $(written)"
[ "$(moved_by sendfile)" = 1572864 ] ||
	fail "sendfile carried $(moved_by sendfile) bytes, not 1.5 MiB"
[ "$(written)" -ge $((1048576 + 524288)) ] ||
	fail "only $(written) bytes written: the rest not sent by write"

push "$T/b.bin" -e inject=sendfile:error=ENOSYS
[ "$(moved_by sendfile)" = 0 ] || fail "sendfile moved bytes"
[ "$(written)" -ge $((3 * 1048576)) ] ||
	fail "only $(written) bytes written without sendfile"
echo "push-zerocopy: ok"
