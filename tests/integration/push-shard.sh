# SPDX-License-Identifier: MIT
# Shards over 200 simulated devices (issue 16's acceptance): the dry runs
# of --shard 1/4 ... 4/4 of an inventory plan disjoint sets whose union is
# all 200; with a third of the devices missing from the inventory, or the
# devices listed backwards, or given as addresses named by the inventory's
# order, every device stays in its shard; then four real pushes, one per
# shard, all at once, update every device exactly once (boot counts), and
# their reports merge (`espfleet report`) into 200 devices and a JUnit
# file with 200 test cases. Covers efl_inventory_choose and
# efl_targets_keep_shard through the command line.
. "$(dirname "$0")/lib.sh"

N=200
start_sim fleet --devices $N --addr-base 127.162.0.1 --name-prefix s-
mkimage "$T/app.bin" 16384 -s 163

# inventory FILE JQ-FILTER: the fleet (s-0001 at 127.162.0.1 ...), the
# device list passed through JQ-FILTER
inventory() {
	local i addr
	{
		printf '{"devices": [\n'
		i=0
		for addr in $(addrs 127.162.0.1 $N); do
			i=$((i + 1))
			printf '%s{"name": "s-%04d", "address": "%s"}\n' \
			    "$([ $i = 1 ] || echo ,)" $i "$addr"
		done
		printf ']}\n'
	} | jq "$2" >"$1"
}
inventory "$T/full.json" .
inventory "$T/partial.json" '.devices |= [.[] | select((.name[2:] |
    tonumber) % 3 != 0)]'
inventory "$T/backwards.json" '.devices |= reverse'

# plan FILE K: the names shard K/4 of inventory FILE would update, one
# per line, sorted, into $T/plan-BASE-K
plan() {
	local base
	base=$(basename "$1" .json)
	"$ESPFLEET" push --inventory "$1" --shard "$2/4" --dry-run --json \
	    "$T/app.bin" >"$T/plan.json" 2>"$T/plan.err" ||
		fail "dry run of $base $2/4 exited $?: $(cat "$T/plan.err")"
	jq -e 'select(.event == "summary") | .dry_run and
	    .skipped == 0' "$T/plan.json" >/dev/null ||
		fail "$base $2/4 summary: $(tail -1 "$T/plan.json")"
	[ "$(json_count "$T/plan.json" '.event == "plan" and
	    .action != "update"')" = 0 ] || fail "$base $2/4 skips a device"
	jq -r 'select(.event == "plan") | .name' "$T/plan.json" | sort \
	    >"$T/plan-$base-$2"
}

for k in 1 2 3 4; do
	plan "$T/full.json" $k
	plan "$T/partial.json" $k
	plan "$T/backwards.json" $k
	n=$(wc -l <"$T/plan-full-$k")
	note "shard $k/4: $n devices"
	[ "$n" -ge 25 ] && [ "$n" -le 75 ] || fail "shard $k/4 has $n of $N"
	# missing devices or another order move no device
	[ "$(comm -13 "$T/plan-full-$k" "$T/plan-partial-$k")" = "" ] ||
		fail "a device moved into shard $k/4 when others went missing"
	jq -r '.devices[].name' "$T/partial.json" | sort >"$T/present"
	[ "$(comm -12 "$T/plan-full-$k" "$T/present")" = \
	    "$(cat "$T/plan-partial-$k")" ] ||
		fail "shard $k/4 lost a device that is still there"
	cmp -s "$T/plan-full-$k" "$T/plan-backwards-$k" ||
		fail "shard $k/4 depends on the order of the inventory"
done
# disjoint, and together the whole fleet
sort -m "$T"/plan-full-[1234] >"$T/union"
[ "$(wc -l <"$T/union")" = $N ] || fail "shards hold $(wc -l <"$T/union")"
[ "$(sort -u "$T/union" | wc -l)" = $N ] || fail "a device in two shards"
[ "$(jq -r '.devices[].name' "$T/full.json" | sort)" = "$(cat "$T/union")" ] ||
	fail "the union is not the fleet"

# the four pushes at once, as four CI jobs would run them
pids=()
for k in 1 2 3 4; do
	"$ESPFLEET" push --inventory "$T/full.json" --shard "$k/4" --json \
	    --no-verify --junit "$T/shard-$k.xml" "$T/app.bin" \
	    >"$T/shard-$k.jsonl" 2>"$T/shard-$k.err" &
	pids+=($!)
	PIDS+=($!)
done
for k in 1 2 3 4; do
	wait "${pids[$((k - 1))]}" ||
		fail "push of shard $k/4 exited $?: $(cat "$T/shard-$k.err")"
	jq -r 'select(.event == "result" and .ok) | .name' \
	    "$T/shard-$k.jsonl" | sort >"$T/pushed-$k"
	cmp -s "$T/pushed-$k" "$T/plan-full-$k" ||
		fail "shard $k/4 pushed other devices than it planned"
done
# every device rebooted exactly once, into the image (<= 20 s)
md5=$(md5sum <"$T/app.bin" | cut -c1-32)
for _ in $(seq 200); do
	jq -s '[.[] | select(.boot_count != 2 or .image_state == "trial" or
	    .running_md5 != "'"$md5"'") | .name]' \
	    "$T"/fleet/s-*/device.json >"$T/not-yet.json"
	[ "$(jq length "$T/not-yet.json")" = 0 ] && break
	sleep 0.1
done
[ "$(jq length "$T/not-yet.json")" = 0 ] ||
	fail "not updated exactly once: $(jq -c . "$T/not-yet.json")"
[ "$(ls -d "$T"/fleet/s-* | wc -l)" = $N ] || fail "not $N devices"
"$ESPFLEET" report --junit "$T/merged.xml" "$T"/shard-[1234].jsonl \
    >"$T/report.out" 2>&1 || fail "report: $(cat "$T/report.out")"
python3 - "$T/merged.xml" $N "$T"/shard-[1234].xml <<'EOF' ||
import sys, xml.etree.ElementTree as ET
merged, n = ET.parse(sys.argv[1]).getroot(), int(sys.argv[2])
names = [c.get("name") for c in merged.iter("testcase")]
assert len(names) == n == len(set(names)), len(names)
assert merged.get("failures") == "0", merged.attrib
own = [c.get("name") for f in sys.argv[3:]
       for c in ET.parse(f).getroot().iter("testcase")]
assert sorted(own) == sorted(names), "the jobs' own JUnit files differ"
EOF
	fail "merged JUnit: $(head -5 "$T/merged.xml")"
echo "push-shard: ok"
