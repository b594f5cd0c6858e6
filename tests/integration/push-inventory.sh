# SPDX-License-Identifier: MIT
# espfleet push --inventory (espfleet-inventory(5)) end to end: three
# simulated sites with three passwords, one from a file, one from an
# environment variable, one the command's own (ESPFLEET_PASSWORD), and
# espota and http devices in one push: each device gets its own group's
# password and transport, is updated exactly once, and no password shows
# in any output; --group, --match, --board and --shard choose among the
# devices (dry runs); --junit writes a JUnit file that parses, also when
# a device fails, and an empty shard writes a report `espfleet report`
# accepts; bad inventories (unknown key, wrong type, duplicate name, a
# password in the file) and bad combinations exit 3 or 2 with a clear
# message before any device is contacted. Covers cmd/push-inventory.c,
# the --inventory, --group, --shard and --junit parts of cmd-push.c.
. "$(dirname "$0")/lib.sh"

HP=8080
printf 'Alpha-pw 1\n' >"$T/a.pw"
printf 'Beta-pw 2\n' >"$T/b.pw"
printf 'Gamma-pw 3\n' >"$T/c.pw"
start_sim a --devices 3 --addr-base 127.161.0.1 --name-prefix a- \
    --password-file "$T/a.pw"
start_sim b --devices 2 --addr-base 127.161.1.1 --name-prefix b- \
    --password-file "$T/b.pw" --http-port $HP
start_sim c --devices 1 --addr-base 127.161.2.1 --name-prefix c- \
    --password-file "$T/c.pw"
mkimage "$T/app.bin" 120000 -s 161
mkimage "$T/app2.bin" 90000 -s 162

mkdir "$T/secrets"
cp "$T/a.pw" "$T/secrets/site-a.pw"
cat >"$T/fleet.json" <<'EOF'
{
  "version": 1,
  "groups": {
    "site-a": {"password_file": "secrets/site-a.pw"},
    "site-b": {"password_env": "SITE_B_OTA"},
    "site-c": {},
    "web": {}
  },
  "devices": [
    {"name": "a-0001", "address": "127.161.0.1", "board": "d1_mini",
     "groups": ["site-a"]},
    {"name": "a-0002", "address": "127.161.0.2", "groups": ["site-a"]},
    {"name": "a-0003", "address": "127.161.0.3", "port": 8266,
     "groups": ["site-a"]},
    {"name": "b-0001", "address": "127.161.1.1", "groups": ["site-b"]},
    {"name": "b-0002", "address": "127.161.1.2", "transport": "http",
     "port": 8080, "groups": ["site-b", "web"]},
    {"name": "c-0001", "address": "127.161.2.1", "groups": ["site-c"]}
  ]
}
EOF
ALL="a-0001 a-0002 a-0003 b-0001 b-0002 c-0001"
sim_of() { echo "${1%%-*}"; }

# push ARGS...: espfleet push with the passwords of sites b and c given
# the way CI gives them; stdout in $T/out, stderr in $T/err, status in RC
push() {
	set +e
	SITE_B_OTA='Beta-pw 2' ESPFLEET_PASSWORD='Gamma-pw 3' \
	    "$ESPFLEET" push "$@" >"$T/out" 2>"$T/err"
	RC=$?
	set -e
}

# planned FILE: the names a dry run's JSON plans to update, sorted
planned() {
	jq -r 'select(.event == "plan" and .action == "update") | .name' \
	    "$1" | sort | tr '\n' ' ' | sed 's/ $//'
}

# (1) the whole inventory, every way at once
push --inventory "$T/fleet.json" --json --junit "$T/all.xml" "$T/app.bin"
[ "$RC" = 0 ] || fail "push exited $RC: $(cat "$T/err")"
cp "$T/out" "$T/all.jsonl"
jq -se '.[0].event == "start" and .[0].targets == 6 and
    .[0].via == "espota+http"' "$T/all.jsonl" >/dev/null ||
	fail "start: $(head -1 "$T/all.jsonl")"
[ "$(json_count "$T/all.jsonl" '.event == "result" and .ok and
    .bytes == 120000 and .attempts == 1')" = 6 ] ||
	fail "not 6 updated: $(jq -c 'select(.event == "result")' \
	    "$T/all.jsonl")"
jq -se '[.[] | select(.event == "result" and .name == "b-0002")][0] |
    .port == 8080 and .addr == "127.161.1.2"' "$T/all.jsonl" >/dev/null ||
	fail "b-0002 not over http on 8080"
[ "$(json_count "$T/all.jsonl" '.event == "state" and
    .state == "inviting"')" = 5 ] || fail "not 5 espota devices invited"
for d in $ALL; do
	wait_boot_count "$(sim_of $d)" "$d" 2
	cmp -s "$T/app.bin" "$T/$(sim_of $d)/$d/running.bin" ||
		fail "$d does not run the image"
done
for f in "$T/all.jsonl" "$T/all.xml" "$T/err"; do
	for pw in Alpha-pw Beta-pw Gamma-pw; do
		! grep -q "$pw" "$f" || fail "a password in $f"
	done
done
python3 - "$T/all.xml" <<'EOF' || fail "JUnit: $(cat "$T/all.xml")"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall("./testsuite/testcase")
names = sorted(c.get("name") for c in cases)
assert names == ["a-0001", "a-0002", "a-0003", "b-0001", "b-0002",
                 "c-0001"], names
assert root.get("tests") == "6" and root.get("failures") == "0", root.attrib
suite = root.find("testsuite")
assert suite.get("name") == "all", suite.attrib
assert not root.findall(".//failure") and not root.findall(".//skipped")
EOF
"$ESPFLEET" report "$T/all.jsonl" >"$T/rep.out" 2>&1 ||
	fail "report of the push: $(cat "$T/rep.out")"

# (2) choosing: groups (any of them), --match and --board on the
# inventory's names and boards, as dry runs
push --inventory "$T/fleet.json" --group site-a --dry-run --json \
    "$T/app2.bin"
[ "$RC" = 0 ] && [ "$(planned "$T/out")" = "a-0001 a-0002 a-0003" ] ||
	fail "--group site-a: $RC $(cat "$T/out" "$T/err")"
push --inventory "$T/fleet.json" --group web --group site-c --dry-run \
    --json "$T/app2.bin"
[ "$(planned "$T/out")" = "b-0002 c-0001" ] ||
	fail "--group web --group site-c: $(planned "$T/out")"
push --inventory "$T/fleet.json" --match '*-0002' --dry-run --json \
    "$T/app2.bin"
[ "$(planned "$T/out")" = "a-0002 b-0002" ] ||
	fail "--match: $(planned "$T/out")"
push --inventory "$T/fleet.json" --board D1_MINI --dry-run --json \
    "$T/app2.bin"
[ "$(planned "$T/out")" = "a-0001" ] || fail "--board: $(planned "$T/out")"

# (3) shards of the inventory: each device in the shard its name gives
# (sha256sum, as espfleet-inventory(5) says), together all, disjoint
union=""
for k in 1 2 3; do
	push --inventory "$T/fleet.json" --shard $k/3 --dry-run --json \
	    "$T/app2.bin"
	[ "$RC" = 0 ] || fail "--shard $k/3 exited $RC: $(cat "$T/err")"
	want=""
	for d in $ALL; do
		h=$(printf %s "$d" | sha256sum | cut -c1-16)
		[ "$(python3 -c "print(int('$h', 16) % 3 + 1)")" = $k ] &&
			want="$want $d"
	done
	[ "$(planned "$T/out")" = "${want# }" ] ||
		fail "--shard $k/3: '$(planned "$T/out")', not '${want# }'"
	[ "$(json_count "$T/out" '.event == "plan"')" = \
	    "$(echo $want | wc -w)" ] || fail "--shard $k/3 plans others"
	union="$union $(planned "$T/out")"
done
[ "$(echo $union | tr ' ' '\n' | sort | tr '\n' ' ')" = "$ALL " ] ||
	fail "the shards are not the inventory: $union"

# (4) a shard without a device: not an error; the report has its start
# and summary (espfleet report takes it), the JUnit file no test case
empty=""
for k in $(seq 1 40); do
	hit=0
	for d in $ALL; do
		h=$(printf %s "$d" | sha256sum | cut -c1-16)
		[ "$(python3 -c "print(int('$h', 16) % 40 + 1)")" = $k ] && hit=1
	done
	[ $hit = 0 ] && { empty=$k; break; }
done
[ -n "$empty" ] || fail "no empty shard of 40"
push --inventory "$T/fleet.json" --shard "$empty/40" --json \
    --junit "$T/empty.xml" "$T/app2.bin"
[ "$RC" = 0 ] || fail "empty shard exited $RC: $(cat "$T/err")"
jq -se '.[0].event == "start" and .[0].targets == 0 and
    .[-1].event == "summary" and .[-1].targets == 0 and length == 2' \
    "$T/out" >/dev/null || fail "empty shard's report: $(cat "$T/out")"
cp "$T/out" "$T/empty.jsonl"
"$ESPFLEET" report "$T/empty.jsonl" "$T/all.jsonl" >"$T/rep.out" 2>&1 ||
	fail "report of an empty shard: $(cat "$T/rep.out")"
grep -q 'tests="0"' "$T/empty.xml" || fail "empty JUnit: $(cat "$T/empty.xml")"
push --inventory "$T/fleet.json" --shard "$empty/40" --dry-run "$T/app2.bin"
[ "$RC" = 0 ] || fail "empty shard dry run exited $RC"
# ... while a selection without any device is "no target"
push --inventory "$T/fleet.json" --match 'nothing-*' "$T/app2.bin"
[ "$RC" = 4 ] && grep -q 'no target: no device of .*fleet.json is in the selection' \
    "$T/err" || fail "empty selection: $RC $(cat "$T/err")"

# (5) --junit when a device fails: written, and the push exits 1
push --inventory "$T/fleet.json" --group site-c --json \
    --junit "$T/fail.xml" --password-file "$T/a.pw" --retries 0 \
    "$T/app2.bin"
[ "$RC" = 1 ] || fail "wrong password: exit $RC: $(cat "$T/err")"
python3 - "$T/fail.xml" <<'EOF' || fail "failure JUnit: $(cat "$T/fail.xml")"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall("./testsuite/testcase")
assert [c.get("name") for c in cases] == ["c-0001"]
f = cases[0].find("failure")
assert f is not None and f.get("type") == "auth-failed", f
EOF
[ "$(device_field c c-0001 boot_count)" = 2 ] || fail "c-0001 rebooted"
# a JUnit file that cannot be written: the push runs, exit 3
push --inventory "$T/fleet.json" --group site-c --junit "$T/no/dir/j.xml" \
    --no-verify "$T/app2.bin"
[ "$RC" = 3 ] && grep -q "^espfleet push: --junit: cannot write '.*/no/dir/j.xml'" \
    "$T/err" || fail "unwritable --junit: $RC $(cat "$T/err")"
wait_boot_count c c-0001 3

# (6) bad inventories: exit 3, "FILE:LINE:COL: what", nothing contacted
boots() {
	local d out=""
	for d in $ALL; do
		out="$out $(device_field "$(sim_of $d)" "$d" boot_count)"
	done
	echo "$out"
}
before=$(boots)
bad() {   # NAME EXPECTED-MESSAGE-REGEX: $T/NAME.json must be refused
	push --inventory "$T/$1.json" "$T/app2.bin"
	[ "$RC" = 3 ] || fail "$1: exit $RC, not 3: $(cat "$T/err")"
	grep -Eq "^espfleet push: .*/$1.json:$2" "$T/err" ||
		fail "$1: message: $(cat "$T/err")"
}
cat >"$T/unknown-key.json" <<'EOF'
{"devices": [
  {"name": "a-0001", "address": "127.161.0.1", "prot": 8266}
]}
EOF
bad unknown-key "2:48: device 'a-0001': unknown key 'prot' \(known: name, address, port, transport, board, groups\)$"
cat >"$T/wrong-type.json" <<'EOF'
{"devices": [
  {"name": "a-0001", "address": "127.161.0.1", "port": "8266"}
]}
EOF
bad wrong-type "2:56: device 'a-0001': \"port\" must be a number, not a string$"
cat >"$T/duplicate.json" <<'EOF'
{"devices": [
  {"name": "a-0001", "address": "127.161.0.1"},
  {"name": "a-0001", "address": "127.161.0.2"}
]}
EOF
bad duplicate "3:12: device name 'a-0001' is already used on line 2$"
cat >"$T/password.json" <<'EOF'
{"groups": {"site-a": {"password": "Alpha-pw 1"}},
 "devices": [{"name": "a-0001", "address": "127.161.0.1"}]}
EOF
bad password "1:24: group 'site-a': 'password': a password does not belong in the inventory"
! grep -q 'Alpha-pw' "$T/err" || fail "the password in the file was shown"
printf '{"devices": [}\n' >"$T/not-json.json"
bad not-json "1:14: not JSON"
push --inventory "$T/missing.json" "$T/app2.bin"
[ "$RC" = 3 ] && grep -q "cannot read inventory '.*missing.json'" "$T/err" ||
	fail "missing file: $RC $(cat "$T/err")"
# the group's variable not set: setup failure, before any contact
set +e
ESPFLEET_PASSWORD='Gamma-pw 3' "$ESPFLEET" push --inventory "$T/fleet.json" \
    "$T/app2.bin" >/dev/null 2>"$T/err"
RC=$?
set -e
[ "$RC" = 3 ] && grep -q "group 'site-b': environment variable SITE_B_OTA (its password) is not set" \
    "$T/err" || fail "unset variable: $RC $(cat "$T/err")"
# ... but a choice without site-b's devices needs no SITE_B_OTA
set +e
"$ESPFLEET" push --inventory "$T/fleet.json" --group site-a --dry-run \
    "$T/app2.bin" >/dev/null 2>"$T/err"
RC=$?
set -e
[ "$RC" = 0 ] || fail "site-a without SITE_B_OTA: $RC $(cat "$T/err")"

# (7) usage errors: exit 2
usage() {   # MESSAGE-REGEX ARGS...
	local want=$1
	shift
	push "$@"
	[ "$RC" = 2 ] && grep -Eq -e "$want" "$T/err" ||
		fail "$*: exit $RC: $(cat "$T/err")"
}
usage "--group 'site-z': no such group in .*fleet.json \(groups: site-a, site-b, site-c, web\)" \
    --inventory "$T/fleet.json" --group site-z "$T/app2.bin"
usage "--group selects devices of an inventory" --group site-a \
    "$T/app2.bin" 127.161.0.1
usage "--inventory names the devices: give no TARGET" \
    --inventory "$T/fleet.json" "$T/app2.bin" 127.161.0.1
usage "no --via or --port with it" --inventory "$T/fleet.json" --via http \
    "$T/app2.bin"
usage "no --via or --port with it" --inventory "$T/fleet.json" -p 80 \
    "$T/app2.bin"
usage "--junit with --dry-run" --inventory "$T/fleet.json" --dry-run \
    --junit "$T/x.xml" "$T/app2.bin"
usage "--shard: '0/4': K must be from 1 to N" --inventory "$T/fleet.json" \
    --shard 0/4 "$T/app2.bin"
usage "--shard: '1/4/2' is not K/N" --shard 1/4/2 "$T/app2.bin" 127.161.0.1
jq '.devices |= map(select(.transport != "http"))' "$T/fleet.json" \
    >"$T/espota-only.json"
usage "--http-user applies to http devices only, and the inventory has none" \
    --inventory "$T/espota-only.json" --http-user admin "$T/app2.bin"
# ... and one that has an http device takes it
push --inventory "$T/fleet.json" --http-user admin --dry-run "$T/app2.bin"
[ "$RC" = 0 ] || fail "--http-user with an http device: $(cat "$T/err")"
[ "$(boots)" = "$before" ] || fail "a device was contacted: $before -> $(boots)"

# (8) --shard on address targets: by the target as given
union=""
for k in 1 2; do
	push --shard $k/2 --dry-run --json "$T/app2.bin" 127.161.0.1 \
	    127.161.0.2 127.161.0.3 127.161.1.1
	[ "$RC" = 0 ] || fail "address --shard $k/2: $(cat "$T/err")"
	for t in $(jq -r 'select(.event == "plan") | .target' "$T/out"); do
		h=$(printf %s "$t" | sha256sum | cut -c1-16)
		[ "$(python3 -c "print(int('$h', 16) % 2 + 1)")" = $k ] ||
			fail "$t is not in shard $k/2"
		union="$union $t"
	done
done
[ "$(echo $union | tr ' ' '\n' | sort | tr '\n' ' ')" = \
    "127.161.0.1 127.161.0.2 127.161.0.3 127.161.1.1 " ] ||
	fail "address shards: $union"
echo "push-inventory: ok"
