# SPDX-License-Identifier: MIT
# The CI examples run (issue 16): four "sites", four network namespaces
# each with only its own device addresses and its own simulated fleet,
# one inventory of the whole fleet (a group per site, the password from
# OTA_PASSWORD), and the jobs of docs/ci/github-actions.yml, then of
# docs/ci/gitlab-ci.yml, exactly as the YAML writes them
# (tests/tools/ci-jobs.py reads them out of it): every (site, shard) job
# of the matrix at once, each inside its site, then the job that merges
# their reports. Each round updates every device exactly once (boot
# counts, images), each job's JUnit file and the merged one parse, with
# one test case per device. No mDNS: the devices are the inventory's
# addresses, so no avahi-daemon is used (pushes are unverified). Root
# only; skips (77) without root or `ip netns`.
. "$(dirname "$0")/lib.sh"

: "${EFL_SOURCE_DIR:?set by ctest}"
skip() {
	echo "netns-sites: $*: skipped"
	exit 77
}
[ "$(id -u)" = 0 ] || skip "not root"
ip netns list >/dev/null 2>&1 || skip "no 'ip netns'"
python3 -c 'import yaml' 2>/dev/null ||
	fail "no python3-yaml (scripts/install-deps installs it)"

CI=$EFL_SOURCE_DIR/docs/ci
JOBS=$EFL_TESTS/tools/ci-jobs.py
PER_SITE=6
P=efs$$
SITES=()
NSS=()
sites_down() {
	local ns
	cleanup
	for ns in "${NSS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap sites_down EXIT

# the runners' view: espfleet on PATH, no avahi-daemon (a bus that is not
# there), the secret store
mkdir "$T/bin"
ln -s "$ESPFLEET" "$T/bin/espfleet"
export PATH=$T/bin:$PATH
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/no-bus
declare -A SECRETS=([OTA_PASSWORD]='Site-secret 16')
printf '%s\n' "${SECRETS[OTA_PASSWORD]}" >"$T/ota.pw"

# the sites of the matrix (the same in both files)
[ "$(python3 "$JOBS" github "$CI/github-actions.yml" matrix | cut -d' ' -f1 |
    uniq)" = "$(python3 "$JOBS" gitlab "$CI/gitlab-ci.yml" matrix |
    cut -d' ' -f1 | uniq)" ] || fail "the two examples have other sites"
mapfile -t SITES < <(python3 "$JOBS" github "$CI/github-actions.yml" \
    matrix | cut -d' ' -f1 | uniq)
[ ${#SITES[@]} -ge 2 ] || fail "sites: ${SITES[*]}"

# each site: a namespace with its devices' addresses only, and its fleet
# (10.I.0.11 ... of site I), named SITE-0001 ...
i=0
for site in "${SITES[@]}"; do
	i=$((i + 1))
	ns=$P-$i
	ip netns add "$ns"
	NSS+=("$ns")
	ip -n "$ns" link set lo up
	for a in $(addrs "10.$i.0.11" $PER_SITE); do
		ip -n "$ns" addr add "$a/32" dev lo
	done
	ip netns exec "$ns" "$ESPFLEET_SIM" --devices $PER_SITE \
	    --addr-base "10.$i.0.11" --name-prefix "$site-" \
	    --password-file "$T/ota.pw" --state-dir "$T/$site" \
	    >"$T/$site.out" 2>"$T/$site.err" &
	PIDS+=($!)
done
for site in "${SITES[@]}"; do
	for _ in $(seq 300); do
		grep -q '^ready ' "$T/$site.out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^ready ' "$T/$site.out" ||
		fail "fleet of $site: $(cat "$T/$site.err")"
done
# a site reaches none of the others' devices
ip netns exec "$P-1" ip route get 10.2.0.11 >/dev/null 2>&1 &&
	fail "site 1 routes to site 2"

# the inventory of the whole fleet, as the examples describe it
{
	printf '{"groups": {'
	sep=""
	for site in "${SITES[@]}"; do
		printf '%s"%s": {"password_env": "OTA_PASSWORD"}' "$sep" "$site"
		sep=", "
	done
	printf '},\n "devices": [\n'
	i=0
	sep=""
	for site in "${SITES[@]}"; do
		i=$((i + 1))
		k=0
		for a in $(addrs "10.$i.0.11" $PER_SITE); do
			k=$((k + 1))
			printf '%s  {"name": "%s-%04d", "address": "%s", ' \
			    "$sep" "$site" $k "$a"
			printf '"groups": ["%s"]}' "$site"
			sep=$',\n'
		done
	done
	printf '\n]}\n'
} >"$T/fleet.json"
DEVICES=$((${#SITES[@]} * PER_SITE))
jq -r '.devices[].name' "$T/fleet.json" | sort >"$T/all-names"

# run_job CI JSON DIR [NS]: the job's script in DIR (inside NS), with its
# variables and secrets (GitLab: every CI/CD variable of the project, the
# secrets among them); its output in DIR/job.out and job.err
run_job() {
	local ci=$1 json=$2 dir=$3 ns=${4:-} k v
	local -a envs=() in_ns=()
	if [ "$ci" = gitlab ]; then
		for k in "${!SECRETS[@]}"; do
			envs+=("$k=${SECRETS[$k]}")
		done
	fi
	while IFS=$'\t' read -r k v; do
		case $v in
		'$SECRET_'*) v=${SECRETS[${v#\$SECRET_}]} ;;
		esac
		envs+=("$k=$v")
	done < <(jq -r '.env | to_entries[] | "\(.key)\t\(.value)"' "$json")
	jq -r .script "$json" >"$dir/job.sh"
	[ -n "$ns" ] && in_ns=(ip netns exec "$ns")
	(cd "$dir" && env "${envs[@]}" "${in_ns[@]}" bash --noprofile \
	    --norc job.sh >job.out 2>job.err)
}

# devices_booted N IMAGE: every device booted N times and runs IMAGE,
# off trial (<= 20 s)
devices_booted() {
	local md5 site
	md5=$(md5sum <"$2" | cut -c1-32)
	for _ in $(seq 200); do
		for site in "${SITES[@]}"; do
			jq -s --argjson n "$1" --arg md5 "$md5" '[.[] |
			    select(.boot_count != $n or .running_md5 != $md5
			    or .image_state == "trial") | .name]' \
			    "$T/$site"/*/device.json
		done | jq -s add >"$T/not-yet.json"
		[ "$(jq length "$T/not-yet.json")" = 0 ] && return 0
		sleep 0.1
	done
	fail "not booted $1 times into $(basename "$2"): $(jq -c . \
	    "$T/not-yet.json")"
}

# junit_cases FILE: the test cases' names, sorted; fails on a failure
junit_cases() {
	python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
bad = root.findall(".//failure") + root.findall(".//error")
assert not bad, [b.attrib for b in bad]
for name in sorted(c.get("name") for c in root.iter("testcase")):
    print(name)
EOF
}

# round CI FILE IMAGE BOOTS: every rollout job of FILE's matrix at once,
# each in its site, then its report job
round() {
	local ci=$1 file=$2 image=$3 boots=$4 site shard dir n n_jobs
	local -a pids=() dirs=()
	n_jobs=$(python3 "$JOBS" "$ci" "$file" matrix | wc -l)
	note "$ci: $n_jobs jobs at once"
	local -a nss=()
	while read -r site shard; do
		dir=$T/$ci/$site-$shard
		mkdir -p "$dir"
		cp "$T/fleet.json" "$dir/fleet.json"       # the checkout
		cp "$image" "$dir/firmware.bin"            # the build's artifact
		python3 "$JOBS" "$ci" "$file" rollout "$site" "$shard" \
		    >"$dir/job.json" || fail "$ci rollout $site $shard"
		n=1
		for s in "${SITES[@]}"; do
			[ "$s" = "$site" ] && break
			n=$((n + 1))
		done
		dirs+=("$dir")
		nss+=("$P-$n")
	done < <(python3 "$JOBS" "$ci" "$file" matrix)
	# all at once, each at its site
	for n in "${!dirs[@]}"; do
		run_job "$ci" "${dirs[$n]}/job.json" "${dirs[$n]}" "${nss[$n]}" &
		pids+=($!)
	done
	for n in "${!pids[@]}"; do
		wait "${pids[$n]}" || fail "$ci job ${dirs[$n]##*/} exited" \
		    "$?: $(cat "${dirs[$n]}/job.err")"
	done
	devices_booted "$boots" "$image"

	# each job's JUnit file: its share; together every device once
	for dir in "${dirs[@]}"; do
		junit_cases "$dir/$(jq -r '.artifacts.paths[] |
		    select(endswith(".xml"))' "$dir/job.json")" ||
			fail "$ci ${dir##*/}: JUnit"
	done | sort >"$T/$ci-cases"
	cmp -s "$T/$ci-cases" "$T/all-names" ||
		fail "$ci: the jobs' test cases are not the fleet, once each"

	# the report job, on the jobs' artifacts
	mkdir -p "$T/$ci/report"
	python3 "$JOBS" "$ci" "$file" report >"$T/$ci/report/job.json"
	for dir in "${dirs[@]}"; do
		if [ "$ci" = github ]; then
			n=$(jq -r .artifacts.name "$dir/job.json")
			case $n in
			$(jq -r .download.pattern "$T/$ci/report/job.json")) ;;
			*) fail "artifact $n is not downloaded" ;;
			esac
			mkdir -p "$T/$ci/report/$(jq -r .download.path \
			    "$T/$ci/report/job.json")/$n"
			n="$(jq -r .download.path "$T/$ci/report/job.json")/$n"
		else
			n=.
		fi
		for f in $(jq -r '.artifacts.paths[]' "$dir/job.json"); do
			cp "$dir/$f" "$T/$ci/report/$n/"
		done
	done
	: >"$T/$ci/report/summary.md"
	GITHUB_SHA=16a5c0ffee16a5c0ffee16a5c0ffee16a5c0ffee \
	GITHUB_STEP_SUMMARY=$T/$ci/report/summary.md \
	CI_COMMIT_SHORT_SHA=16a5c0ff \
	    run_job "$ci" "$T/$ci/report/job.json" "$T/$ci/report" ||
		fail "$ci report job exited $?: $(cat "$T/$ci/report/job.err")"
	# the files it writes, as its command line names them
	n=$(jq -r .script "$T/$ci/report/job.json" | grep -o -e '--junit [^ ]*' |
	    cut -d' ' -f2)
	junit_cases "$T/$ci/report/$n" >"$T/$ci-merged" ||
		fail "$ci merged JUnit ($n)"
	cmp -s "$T/$ci-merged" "$T/all-names" ||
		fail "$ci merged JUnit: $(wc -l <"$T/$ci-merged") test cases," \
		    "not the $DEVICES devices"
	n=$(jq -r .script "$T/$ci/report/job.json" | grep -o -e '--html [^ ]*' |
	    cut -d' ' -f2)
	grep -q 'Rollout of 16a5c0ff' "$T/$ci/report/$n" ||
		fail "$ci: the page ($n) has not the title"
	grep -q "^$DEVICES devices in $n_jobs pushes: $DEVICES updated, 0 failed" \
	    "$T/$ci/report/job.out" ||
		fail "$ci report table: $(tail -3 "$T/$ci/report/job.out")"
}

mkimage "$T/v1.bin" 40000 -s 16 -V sites-1
mkimage "$T/v2.bin" 48000 -s 17 -V sites-2
round github "$CI/github-actions.yml" "$T/v1.bin" 2
grep -q "^$DEVICES devices in .* pushes: $DEVICES updated, 0 failed" \
    "$T/github/report/summary.md" ||
	fail "no table in the step summary"
round gitlab "$CI/gitlab-ci.yml" "$T/v2.bin" 3
echo "netns-sites: ok"
