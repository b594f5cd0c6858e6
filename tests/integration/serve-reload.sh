# SPDX-License-Identifier: MIT
# espfleet serve picks up a new image only whole and checked: every answer
# carries exactly the image its x-MD5 names. An image rewritten in place
# is not sent half old, half new, nor under the old x-MD5 (the copy read
# at start is sent until the file has settled); an image replaced by
# rename is served with its own x-MD5 within a few seconds (an "image"
# JSON event); a download under way when the image changes finishes with
# the image it began with; a new file that fails the checks is not served
# (an "image-refused" notice) and neither is a removed one: the copy in
# memory stays. The --fs image follows the same rule.
. "$(dirname "$0")/lib.sh"

SRV=127.75.0.1
mkimage "$T/a.bin" 300000 -s 75 -V reload-a
mkimage "$T/b.bin" 300000 -s 76 -V reload-b
mkimage "$T/c.bin" 400000 -s 77 -V reload-c
mkimage "$T/d.bin" 200000 -s 78 -V reload-d
mkimage "$T/bad.bin" 300000 -s 79 -m 0x42
mkimage "$T/fs1.bin" 65536 -s 80 -m 0x00
mkimage "$T/fs2.bin" 70000 -s 81 -m 0x00
md5() { md5sum <"$1" | cut -d' ' -f1; }
cp "$T/a.bin" "$T/app.bin"
cp "$T/fs1.bin" "$T/fs.bin"

start_serve serve -l $SRV:0 --fs "$T/fs.bin" "$T/app.bin"
PORT=$SERVE_PORT

# get NAME [MODE] [curl options]: a pull like ESP8266httpUpdate's; the
# body must be whole and match the x-MD5 it came with. Sets GOT_MD5.
N=0
get() {
	local name=$1 mode=${2:-sketch} hdr body xmd5
	shift 2 || shift
	N=$((N + 1))
	hdr="$T/$name.$N.hdr"
	body="$T/$name.$N.body"
	curl -s -D "$hdr" -o "$body" "$@" \
	    -H 'User-Agent: ESP8266-http-Update' \
	    -H 'x-ESP8266-STA-MAC: 02:00:00:00:75:01' \
	    -H "x-ESP8266-mode: $mode" \
	    -H 'x-ESP8266-sketch-md5: 00000000000000000000000000000000' \
	    "http://$SRV:$PORT/fw.bin" || fail "$name: curl failed"
	grep -q '^HTTP/1.1 200' "$hdr" || fail "$name: $(head -1 "$hdr")"
	xmd5=$(sed -n 's/^x-MD5: *\([0-9a-f]*\).*/\1/ip' "$hdr")
	GOT_MD5=$(md5 "$body")
	[ "$GOT_MD5" = "$xmd5" ] ||
		fail "$name: the body (md5 $GOT_MD5) is not the x-MD5 ($xmd5)"
}

# until_served FILE NAME [MODE]: pulls (<= 10 s) until FILE is served
until_served() {
	for _ in $(seq 50); do
		get "$2" "${3:-sketch}"
		[ "$GOT_MD5" = "$(md5 "$1")" ] && return 0
		sleep 0.2
	done
	fail "$1 is never served"
}

get first
[ "$GOT_MD5" = "$(md5 "$T/a.bin")" ] || fail "first: not a.bin"

# rewritten in place, half of it: still a.bin, under a.bin's MD5
dd if="$T/b.bin" of="$T/app.bin" bs=1000 count=150 conv=notrunc \
    status=none
get in-place
[ "$GOT_MD5" = "$(md5 "$T/a.bin")" ] ||
	fail "a half-rewritten file was served"
sleep 0.5
get in-place-2
[ "$GOT_MD5" = "$(md5 "$T/a.bin")" ] ||
	fail "a half-rewritten file was served"
# the rewrite completed in place: served once it settled (<= 10 s)
cp "$T/b.bin" "$T/app.bin"
until_served "$T/b.bin" settled

# a slow download of b under way while c replaces it (by rename): it
# finishes with b, whole; later requests get c
get slow sketch --limit-rate 100k &
SLOW=$!
sleep 0.5
cp "$T/c.bin" "$T/new.bin"
mv "$T/new.bin" "$T/app.bin"
until_served "$T/c.bin" renamed
wait "$SLOW" || fail "the download under way failed"
[ "$(md5 "$T"/slow.*.body)" = "$(md5 "$T/b.bin")" ] ||
	fail "the download under way did not get b.bin"
jq -se --arg m "$(md5 "$T/c.bin")" '[.[] | select(.event == "image" and
    .which == "image" and .md5 == $m and .size == 400000 and
    .version == "reload-c")] | length == 1' "$T/serve.json" >/dev/null ||
	fail "no image event for c.bin"

# a new file that fails the checks: refused, c stays
cp "$T/bad.bin" "$T/new.bin"
mv "$T/new.bin" "$T/app.bin"
for _ in $(seq 50); do
	grep -q '"what":"image-refused"' "$T/serve.json" && break
	sleep 0.2
done
grep -q '"what":"image-refused".*not an ESP firmware image' \
    "$T/serve.json" || fail "no image-refused notice"
get after-bad
[ "$GOT_MD5" = "$(md5 "$T/c.bin")" ] || fail "the bad image was served"
# removed: the copy in memory stays served
rm "$T/app.bin"
sleep 1.5
get removed
[ "$GOT_MD5" = "$(md5 "$T/c.bin")" ] || fail "nothing served once removed"
grep -q "still serving the copy read before" "$T/serve.err" ||
	fail "no warning for the removed file"
# back, as a new good image
cp "$T/d.bin" "$T/new.bin"
mv "$T/new.bin" "$T/app.bin"
until_served "$T/d.bin" back

# the filesystem image follows the same rule
get fs1 spiffs
[ "$GOT_MD5" = "$(md5 "$T/fs1.bin")" ] || fail "fs: not fs1.bin"
dd if="$T/fs2.bin" of="$T/fs.bin" bs=1000 count=30 conv=notrunc status=none
get fs-in-place spiffs
[ "$GOT_MD5" = "$(md5 "$T/fs1.bin")" ] || fail "a half-rewritten fs served"
cp "$T/fs2.bin" "$T/new.bin"
mv "$T/new.bin" "$T/fs.bin"
until_served "$T/fs2.bin" fs2 spiffs

stop_pid "$SERVE_PID"
echo "serve-reload: ok"
