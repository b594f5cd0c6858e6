# SPDX-License-Identifier: MIT
# The report page renders in a real browser: a push to a small simulated
# fleet with failing devices, espfleet report --html, then Debian's
# headless chromium (scripts/render-html, no network) takes a screenshot,
# and the PNG shows the page: 1280x900, mostly white, with the colours of
# the results it reports (ok green, no-answer red, no-space brown: the
# timeline's bars, the legend, the badges). Skipped without chromium.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "no python3: skipped"; exit 77; }
render=$EFL_SOURCE_DIR/scripts/render-html
command -v chromium >/dev/null || { echo "no chromium: skipped"; exit 77; }

start_sim r --devices 5 --addr-base 127.164.3.1 --rate 100K \
    --fault silent:2 --fault no-space:4
mkimage "$T/app.bin" 60000 -s 41
rc=0
"$ESPFLEET" push --json -t 2 -r 0 "$T/app.bin" $(addrs 127.164.3.1 5) \
    >"$T/r.jsonl" 2>"$T/push.err" || rc=$?
[ "$rc" = 1 ] || fail "push exited $rc, not 1"
rc=0
"$ESPFLEET" report --html "$T/page.html" "$T/r.jsonl" >/dev/null || rc=$?
[ "$rc" = 1 ] || fail "report exited $rc, not 1"

rc=0
"$render" "$T/page.html" "$T/shot.png" 1280,900 >"$T/render.out" 2>&1 ||
	rc=$?
[ "$rc" = 77 ] && { cat "$T/render.out"; exit 77; }
[ "$rc" = 0 ] || fail "render-html exited $rc: $(cat "$T/render.out")"
[ -s "$T/shot.png" ] || fail "no screenshot"
set -- $(python3 "$EFL_TESTS/tools/png-colors.py" "$T/shot.png" ffffff \
    2da44e cf222e 953800) || fail "not a PNG"
note "screenshot: $*"
[ "$1 $2" = "1280 900" ] || fail "screenshot is $1x$2, not 1280x900"
count() { echo "${1#*=}"; }
# a page: mostly background, and each result's colour clearly there
[ "$(count "$3")" -gt 500000 ] || fail "not a white page: $3"
[ "$(count "$4")" -gt 1000 ] || fail "no ok green: $4"
[ "$(count "$5")" -gt 300 ] || fail "no no-answer red: $5"
[ "$(count "$6")" -gt 300 ] || fail "no no-space brown: $6"
if [ -n "${EFL_SCREENSHOT:-}" ]; then
	cp "$T/shot.png" "$EFL_SCREENSHOT"
fi
