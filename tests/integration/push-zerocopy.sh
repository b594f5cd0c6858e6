# SPDX-License-Identifier: MIT
# The image goes to the kernel without a copy per device: sendfile(2) from
# one in-memory file (src/push/image-send.c), seen with strace (the test is
# skipped without it): sendfile carries the image, write(2) and writev(2)
# none of it. Where the socket is full (EAGAIN, injected after 512 KiB of
# one device) sendfile goes on when it has room again; where sendfile
# stops working (EINVAL there) the rest goes by uv_write from that offset,
# and where it cannot be used at all (ENOSYS) all of it: the devices run
# exactly the image every time. A connection error stops the sending:
# nothing is written after it (SIGPIPE on a reset connection), the device
# fails; so does one that resets the connection while sendfile waits.
. "$(dirname "$0")/lib.sh"

strace -qq -o /dev/null true 2>/dev/null || {
	echo "push-zerocopy: no strace (or ptrace not allowed): skipped"
	exit 77
}
start_sim fleet --devices 3 --addr-base 127.46.0.1 --reboot-ms 100 \
    --fault drop-at=100000:3
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
# expect WHAT SENDFILE LO HI: sendfile moved SENDFILE bytes, write and
# writev from LO to below HI (every push writes its output lines and the
# in-memory file, 1 MiB once)
expect() {
	local sf w
	sf=$(moved_by sendfile) w=$(written)
	note "$1: sendfile $sf bytes, write/writev $w"
	[ "$sf" = "$2" ] || fail "$1: sendfile carried $sf bytes, not $2"
	[ "$w" -ge "$3" ] && [ "$w" -lt "$4" ] ||
		fail "$1: $w bytes written, not $3 to $4"
}
M=1048576
S=65536

push "$T/a.bin"
expect "two devices" $((2 * M)) "$M" $((M + S))

# the third call (256 KiB each) finds the socket full: sendfile goes on
# when there is room
push "$T/b.bin" -e inject=sendfile:error=EAGAIN:when=3
[ "$(grep -c 'sendfile(.*EAGAIN' "$T/trace")" = 1 ] || fail "no EAGAIN seen"
expect "EAGAIN at the third call" $((2 * M)) "$M" $((M + S))

# the third call fails: one device's second half goes by write, the other
# device's image by sendfile
push "$T/a.bin" -e inject=sendfile:error=EINVAL:when=3
expect "EINVAL at the third call" $((3 * M / 2)) $((3 * M / 2)) \
    $((3 * M / 2 + S))

push "$T/b.bin" -e inject=sendfile:error=ENOSYS
expect "no sendfile" 0 $((3 * M)) $((3 * M + S))
# failing ADDR STRACE-OPTIONS...: push to one device, which fails: exit 1
# (141 is SIGPIPE: a write to the reset connection ended espfleet)
failing() {
	local addr=$1 rc=0
	shift
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -qq -e trace=sendfile,write,writev "$@" -o "$T/trace" \
	    "$ESPFLEET" push --json -t 2 -r 0 "$T/a.bin" "$addr" \
	    >"$T/push.json" || rc=$?
	note "$addr: exit $rc, $(jq -c 'select(.event == "result") |
	    [.error, .message]' "$T/push.json")"
	[ "$rc" = 1 ] || fail "push exited $rc, not 1 (a failed device)"
	[ "$(json_count "$T/push.json" '.event == "result" and
	    (.ok | not)')" = 1 ] || fail "no failed result"
}
# a connection error at the third call: the rest is not written
failing 127.46.0.1 -e inject=sendfile:error=EPIPE:when=3
expect "EPIPE at the third call" $((M / 2)) "$M" $((M + S))
# sim-0003 reads 100000 bytes and resets the connection while the sending
# waits for room (EAGAIN injected at the first call)
failing 127.46.0.3 -e inject=sendfile:error=EAGAIN:when=1
echo "push-zerocopy: ok"
