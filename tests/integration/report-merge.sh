# SPDX-License-Identifier: MIT
# espfleet report over real pushes: three simulated sites (one with
# silent, full and connect-back-less devices, one with a password, one
# whose first transfer breaks), each pushed by its own espfleet --json at
# the same time, merged into one table, JUnit file and HTML page. The JUnit
# parses (python3 xml.etree) with one testcase per device and each failure
# typed with the device's result code; the HTML is well-formed and
# self-contained. Then the refusals: a device in two reports, garbage, a
# dry run, a missing file, no argument, an output that cannot be written;
# an interrupted report is a failure; hostile device text stays valid XML.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "no python3: skipped"; exit 77; }

printf 'b-password\n' >"$T/pw"
# site a, 6 devices: 2 silent, 3 without room, 5 never connects back
start_sim a --devices 6 --addr-base 127.164.0.1 --rate 200K \
    --fault silent:2 --fault no-space:3 --fault no-connect:5
# site b, 4 devices behind a password
start_sim b --devices 4 --addr-base 127.164.1.1 --rate 200K \
    --password-file "$T/pw"
# site c, 3 devices: 1 drops its first transfer (retried, then ok)
start_sim c --devices 3 --addr-base 127.164.2.1 --rate 200K \
    --fault drop-at=30000:1
mkimage "$T/app.bin" 80000 -s 31

push_site() { # NAME TARGETS...: push --json in the background
	local name=$1
	shift
	ESPFLEET_PASSWORD=b-password "$ESPFLEET" push --json -t 3 -r 1 \
	    "$T/app.bin" "$@" >"$T/$name.jsonl" 2>"$T/$name.err" &
	PUSHES+=($!)
}
PUSHES=()
push_site site-a $(addrs 127.164.0.1 6)
push_site site-b $(addrs 127.164.1.1 4)
push_site site-c $(addrs 127.164.2.1 3)
for p in "${PUSHES[@]}"; do
	wait "$p" || true
done
for s in site-a site-b site-c; do
	jq -se '[.[] | select(.event == "summary")] | length == 1' \
	    "$T/$s.jsonl" >/dev/null || fail "$s: push did not finish"
done

set +e
"$ESPFLEET" report --junit "$T/out/junit.xml" --html "$T/out/report.html" \
    "$T/site-a.jsonl" "$T/site-b.jsonl" "$T/site-c.jsonl" \
    >"$T/table.out" 2>"$T/table.err"
rc=$?
set -e
[ "$rc" = 3 ] && grep -q "cannot write" "$T/table.err" ||
	fail "report into a missing directory: exit $rc, not 3"
mkdir "$T/out"
set +e
"$ESPFLEET" report --junit "$T/out/junit.xml" --html "$T/out/report.html" \
    --title "Rollout 1.4 <test>" \
    "$T/site-a.jsonl" "$T/site-b.jsonl" "$T/site-c.jsonl" \
    >"$T/table.out" 2>"$T/table.err"
rc=$?
set -e
cat "$T/table.out" >&2
[ "$rc" = 1 ] || fail "report exited $rc, not 1: $(cat "$T/table.err")"
[ ! -s "$T/table.err" ] || fail "report said: $(cat "$T/table.err")"
grep -q '^13 devices in 3 pushes: 10 updated, 3 failed, 0 skipped$' \
    "$T/table.out" || fail "totals line"
grep -q '^127\.164\.0\.2 .* site-a  no-answer ' "$T/table.out" ||
	fail "table row of the silent device"
ls "$T/out" | grep -q tmp && fail "a temporary file was left"

# JUnit: parsed, a testcase per device, failures typed with the codes of
# the pushes' own results, skipped none, counts that add up
jq -rs '.[] | select(.event == "result") | [.name, (.error // "ok")] |
    @tsv' "$T/site-a.jsonl" "$T/site-b.jsonl" "$T/site-c.jsonl" |
    sort >"$T/want.tsv"
python3 - "$T/out/junit.xml" "$T/want.tsv" <<'EOF' || fail "JUnit check"
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
want = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[2]))
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert [s.get("name") for s in suites] == ["site-a", "site-b", "site-c"]
cases = root.findall("testsuite/testcase")
assert len(cases) == 13 == len(want), (len(cases), len(want))
got = {}
for c in cases:
    f = c.find("failure")
    assert c.find("skipped") is None and c.find("error") is None
    got[c.get("name")] = f.get("type") if f is not None else "ok"
    if f is not None:
        assert f.get("message") and f.text.startswith(f.get("type") + ": ")
    assert float(c.get("time")) >= 0
assert got == want, (got, want)
assert got["127.164.0.2"] == "no-answer"
assert got["127.164.0.3"] == "no-space"
assert got["127.164.0.5"] == "connect-timeout"
assert got["127.164.2.1"] == "ok"
assert root.get("tests") == "13" and root.get("failures") == "3"
assert root.get("skipped") == "0" and root.get("errors") == "0"
for s in suites:
    n = len(s.findall("testcase"))
    assert s.get("tests") == str(n)
    assert int(s.get("failures")) == len(s.findall("testcase/failure"))
    assert s.find("properties/property[@name='via']").get("value") == \
        "espota"
EOF

# HTML: well-formed (polyglot XHTML), self-contained, a bar per device
python3 - "$T/out/report.html" <<'EOF' || fail "HTML check"
import re, sys
import xml.etree.ElementTree as ET

text = open(sys.argv[1], encoding="utf-8").read()
root = ET.fromstring(text)
assert root.tag == "html"
for bad in ("http:", "https:", "src=", "href=", "url(", "@import",
            "<script", "<link", "<img", "<iframe"):
    assert bad not in text, bad
assert root.find("head/title").text == "Rollout 1.4 <test>"
svg = root.find(".//svg")
assert svg is not None
bars = [g for g in svg.iter("g") if g.find("title") is not None]
assert len(bars) == 13, len(bars)
names = {g.find("title").text.split(" ")[0] for g in bars}
assert "127.164.1.4" in names and "127.164.0.5" in names
legend = "".join(root.find(".//div[@class='legend']").itertext())
for code in ("ok (10)", "no-answer (1)", "no-space (1)",
             "connect-timeout (1)"):
    assert code in legend, (code, legend)
EOF

# one site alone, all ok: exit 0
"$ESPFLEET" report "$T/site-b.jsonl" >"$T/b.out" ||
	fail "report of the ok site exited $?"
grep -q '^4 devices in 1 push: 4 updated, 0 failed, 0 skipped$' \
    "$T/b.out" || fail "ok site totals"
# one line per device, no JOB column with one push
[ "$(head -1 "$T/b.out" | tr -s ' ')" = "DEVICE RESULT SECONDS MESSAGE" ] ||
	fail "header with one push: $(head -1 "$T/b.out")"

expect() { # RC PATTERN ARGS...: report exits RC and says PATTERN
	local want=$1 pattern=$2 rc=0
	shift 2
	"$ESPFLEET" report "$@" >"$T/x.out" 2>"$T/x.err" || rc=$?
	[ "$rc" = "$want" ] || fail "report $*: exit $rc, not $want"
	grep -q -- "$pattern" "$T/x.err" "$T/x.out" ||
		fail "report $*: no '$pattern' in: $(cat "$T/x.err")"
}
expect 3 "device '127.164.1.1' is in two pushes: .*site-b.jsonl:[0-9]* and" \
    "$T/site-b.jsonl" "$T/site-a.jsonl" "$T/site-b.jsonl"
printf 'garbage\n' >"$T/garbage.jsonl"
expect 3 "garbage.jsonl:1:1: not JSON: expected a value" "$T/garbage.jsonl"
ESPFLEET_PASSWORD=b-password "$ESPFLEET" push --json --dry-run "$T/app.bin" \
    127.164.1.1 >"$T/dry.jsonl"
expect 3 "dry.jsonl:1: a dry run (push --dry-run): nothing was pushed" \
    "$T/dry.jsonl"
: >"$T/empty.jsonl"
expect 3 "empty.jsonl: no push in it" "$T/empty.jsonl"
expect 3 "cannot read '$T/none.jsonl': No such file or directory" \
    "$T/none.jsonl"
expect 2 "no report given" --junit "$T/j.xml"
expect 2 "unknown option '--xml'" --xml "$T/j.xml" "$T/site-b.jsonl"
# interrupted: a report cut after its first results
head -n 12 "$T/site-a.jsonl" >"$T/cut.jsonl"
expect 1 "incomplete: the report ends before the push's summary" \
    "$T/cut.jsonl"
# standard input
"$ESPFLEET" report - <"$T/site-b.jsonl" >/dev/null ||
	fail "report from standard input"

# device text of any kind: still one valid XML file and page
{
	printf '{"v":1,"event":"start","command":"push","targets":2}\n'
	printf '{"v":1,"event":"result","name":"ev\\u0001il<&>\\"\xff\xef\xbf\xbe","ok":false,"error":"device-error","message":"\\u001b[2J\xe2\x80\xae]]>"}\n'
	printf '{"v":1,"event":"result","name":"\xc3\xa9\\ttab","ok":true,"skipped":true,"message":"\\r\\n"}\n'
	printf '{"v":1,"event":"summary"}\n'
} >"$T/hostile.jsonl"
rc=0
"$ESPFLEET" report --junit "$T/h.xml" --html "$T/h.html" \
    "$T/hostile.jsonl" >"$T/h.out" 2>"$T/h.err" || rc=$?
[ "$rc" = 1 ] || fail "hostile report: exit $rc: $(cat "$T/h.err")"
grep -q $'\033' "$T/h.out" && fail "an escape sequence reached the table"
python3 - "$T/h.xml" "$T/h.html" <<'EOF' || fail "hostile XML"
import sys
import xml.etree.ElementTree as ET

j = ET.parse(sys.argv[1]).getroot()
cases = j.findall("testsuite/testcase")
assert len(cases) == 2
assert cases[0].find("skipped") is not None or \
    cases[1].find("skipped") is not None
ET.parse(sys.argv[2])
EOF
note "report merged 3 sites, 13 devices"
