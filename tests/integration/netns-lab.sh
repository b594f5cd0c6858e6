# SPDX-License-Identifier: MIT
# Across real links (scripts/espfleet-netns-lab.sh): two device namespaces,
# each with its own D-Bus, avahi-daemon and a 3-device espfleet-sim --mdns,
# and a host namespace that discovers all six and pushes to them with
# --all: five verified, the boot-old one verify-failed (exit 1). Root only;
# skips (77) without root, `ip netns` or the daemons.
. "$(dirname "$0")/lib.sh"

: "${EFL_SOURCE_DIR:?set by ctest}"
LAB=$EFL_SOURCE_DIR/scripts/espfleet-netns-lab.sh
skip() {
	echo "netns-lab: $*: skipped"
	exit 77
}
[ "$(id -u)" = 0 ] || skip "not root"
ip netns list >/dev/null 2>&1 || skip "no 'ip netns'"
PATH=$PATH:/usr/sbin:/sbin
for tool in dbus-daemon avahi-daemon unshare; do
	command -v "$tool" >/dev/null || skip "no $tool"
done

# avahi-daemon drops root: its bus socket must be reachable for user avahi,
# which $T (mode 700) is not
LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/efl-lab.XXXXXX")
chmod 755 "$LAB_DIR"
export LAB_DIR LAB_PREFIX=eft$$
lab_down() {
	"$LAB" down >/dev/null 2>&1 || true
	rm -rf "$LAB_DIR"
}
trap 'lab_down; cleanup' EXIT
"$LAB" up 2 >"$T/lab.out" 2>&1 || fail "lab up: $(cat "$T/lab.out")"
P=$LAB_PREFIX
# three device addresses per device namespace, routed from the host
for d in 1 2; do
	for k in 1 2 3; do
		ip -n "$P-dev$d" addr add "192.0.2.$((d * 10 + k))/32" dev eth0
	done
done
ip -n "$P-host" route add 192.0.2.0/24 dev eth0

for d in 1 2; do
	fault=()
	[ $d = 2 ] && fault=(--fault boot-old:2)
	"$LAB" exec "$P-dev$d" "$ESPFLEET_SIM" --mdns --devices 3 \
	    --addr-base "192.0.2.$((d * 10 + 1))" --name-prefix "n$d-" \
	    --state-dir "$T/dev$d" "${fault[@]}" \
	    >"$T/dev$d.out" 2>"$T/dev$d.err" &
	PIDS+=($!)
done
for d in 1 2; do
	for _ in $(seq 300); do
		grep -q '^ready ' "$T/dev$d.out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^ready ' "$T/dev$d.out" ||
		fail "simulator in dev$d: $(cat "$T/dev$d.err")"
done

# the host sees all six, each at its own address inside its namespace
for _ in $(seq 40); do
	"$LAB" exec "$P-host" "$ESPFLEET" discover --json >"$T/d.json" \
	    2>"$T/d.err" || fail "discover exited $?: $(cat "$T/d.err")"
	[ "$(json_count "$T/d.json" '.event == "device"')" = 6 ] && break
	sleep 0.5
done
[ "$(json_count "$T/d.json" '.event == "device"')" = 6 ] ||
	fail "not 6 devices: $(cat "$T/d.json")"
for d in 1 2; do
	for k in 1 2 3; do
		name=n$d-000$k
		jq -se "[.[] | select(.event == \"device\" and
		    .name == \"$name\")][0] | .addr == \"192.0.2.$((d * 10 + k))\"
		    and .host == \"$name.local\" and .interface == \"eth0\" and
		    .txt.efa_md5 == \"$(jq -r .running_md5 \
		    "$T/dev$d/$name/device.json")\"" "$T/d.json" >/dev/null ||
			fail "$name: $(jq -c "select(.name == \"$name\")" \
			    "$T/d.json")"
	done
done

# push --all across the bridge, verified after the reboots
mkimage "$T/app.bin" 70000 -s 21
rc=0
"$LAB" exec "$P-host" "$ESPFLEET" push --json --all --verify-timeout 15 \
    "$T/app.bin" >"$T/push.json" 2>"$T/push.err" || rc=$?
[ "$rc" = 1 ] || fail "push exited $rc (want 1): $(cat "$T/push.err")"
jq -se '[.[] | select(.event == "result" and .name == "n2-0002")][0] |
    .error == "verify-failed" and .verified == false' "$T/push.json" \
    >/dev/null || fail "n2-0002: $(jq -c 'select(.name == "n2-0002")' \
    "$T/push.json")"
[ "$(json_count "$T/push.json" '.event == "result" and .ok and
    .verified == true')" = 5 ] ||
	fail "not 5 verified: $(jq -c 'select(.event == "result")' \
	    "$T/push.json")"
for name in n1-0001 n1-0002 n1-0003 n2-0001 n2-0003; do
	d=${name:1:1}
	cmp -s "$T/app.bin" "$T/dev$d/$name/running.bin" ||
		fail "$name does not run the image"
done
echo "netns-lab: ok"
