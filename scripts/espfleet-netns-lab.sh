#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Multi-"host" mDNS lab in network namespaces (docs/contributing.md 2), no
# systemd needed: one bridge netns, one host netns and N device netns, each
# host/device netns with its own D-Bus bus and avahi-daemon (devices get
# none with LAB_DEVICE_AVAHI=0). Root only. Stops only what it started.
#   espfleet-netns-lab.sh up [NDEV]        build the lab
#   espfleet-netns-lab.sh exec NS CMD...   run CMD in NS with NS's D-Bus
#   espfleet-netns-lab.sh prefix           print the namespace prefix
#   espfleet-netns-lab.sh down             tear everything down
# Addresses: host NET.1, devN NET.(10+N), /24 on a bridge in netns PREFIX-br.
#   LAB_NET     the /24 of the lab link (default 198.51.100, never routed)
#   LAB_PREFIX  namespace name prefix (default efl<pid of 'up'>, so that
#               labs run in parallel do not collide; kept in LAB_DIR)
#   LAB_DIR     state directory (default /run/espfleet-lab); user avahi
#               must be able to reach it (the daemons drop root)
set -euo pipefail
STATE=${LAB_DIR:-/run/espfleet-lab}
NET=${LAB_NET:-198.51.100}
if [ -z "${LAB_PREFIX:-}" ] && [ -s "$STATE/prefix" ]; then
	P=$(cat "$STATE/prefix")
else
	P=${LAB_PREFIX:-efl$$}
fi
# shellcheck source=lib-avahi.sh
. "$(dirname "$0")/lib-avahi.sh"
bus() { echo "unix:path=$STATE/$1/system_bus_socket"; }
nsexec() { local ns=$1; shift; DBUS_SYSTEM_BUS_ADDRESS=$(bus "$ns") ip netns exec "$ns" "$@"; }
start_bus_and_avahi() {   # ns, with_avahi
	local ns=$1 d=$STATE/$1
	mkdir -p "$d"
	cat >"$d/dbus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$d/system_bus_socket</listen>
  <pidfile>$d/dbus.pid</pidfile>
  <auth>EXTERNAL</auth>
  <limit name="max_connections_per_user">4096</limit>
  <limit name="max_completed_connections">8192</limit>
  <policy context="default">
    <allow user="*"/> <allow own="*"/>
    <allow send_type="method_call"/> <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/> <allow receive_type="method_return"/>
    <allow receive_type="error"/> <allow receive_type="signal"/>
  </policy>
</busconfig>
CONF
	ip netns exec "$ns" dbus-daemon --config-file="$d/dbus.conf" --fork
	[ "$2" = 1 ] || return 0
	write_avahi_conf "$d/avahi.conf" "$ns" eth0
	# avahi-daemon refuses to start while /run/avahi-daemon/pid names a live
	# daemon, so each instance gets a private tmpfs there (a private mount
	# namespace via unshare -m). All the execs keep one PID: $! is the daemon.
	DBUS_SYSTEM_BUS_ADDRESS=$(bus "$ns") nohup ip netns exec "$ns" \
		unshare -m --propagation private sh -c "mount -t tmpfs -o mode=755 \
		tmpfs /run/avahi-daemon && exec avahi-daemon -f $d/avahi.conf" \
		>"$d/avahi.log" 2>&1 </dev/null &
	echo $! >"$d/avahi.pid"
}
wait_avahi() {
	local ns=$1
	for _ in $(seq 100); do
		[ "$(nsexec "$ns" timeout 5 dbus-send --system \
		    --print-reply=literal --dest=org.freedesktop.Avahi / \
		    org.freedesktop.Avahi.Server.GetState 2>/dev/null |
		    awk '{print $2}')" = 2 ] && return 0
		sleep 0.1
	done
	echo "avahi in $ns not ready" >&2
	cat "$STATE/$ns/avahi.log" >&2
	return 1
}
case ${1:-} in
up)
	n=${2:-2}
	[ "$(id -u)" = 0 ] || { echo "espfleet-netns-lab: root only" >&2; exit 1; }
	if [ -e "$STATE/namespaces" ]; then
		echo "lab already up ($STATE, prefix $P)"
		exit 0
	fi
	mkdir -p "$STATE"
	chmod 755 "$STATE"
	echo "$P" >"$STATE/prefix"
	ip netns add "$P-br"
	echo "$P-br" >>"$STATE/namespaces"
	ip -n "$P-br" link add br0 type bridge
	ip -n "$P-br" link set br0 up
	ip -n "$P-br" link set lo up
	nss=("$P-host")
	for i in $(seq 1 "$n"); do nss+=("$P-dev$i"); done
	for ns in "${nss[@]}"; do
		case $ns in
		"$P-host") ip4=$NET.1 ;;
		*) ip4=$NET.$((10 + ${ns##*dev})) ;;
		esac
		ip netns add "$ns"
		echo "$ns" >>"$STATE/namespaces"
		# veth names are limited to 15 characters
		v=v$(printf '%s' "$ns" | md5sum | cut -c1-10)
		ip link add "$v" type veth peer name eth0 netns "$ns"
		ip link set "$v" netns "$P-br"
		ip -n "$P-br" link set "$v" master br0 up
		ip -n "$ns" addr add "$ip4/24" dev eth0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" link set lo up
		if [ "$ns" = "$P-host" ] || [ "${LAB_DEVICE_AVAHI:-1}" = 1 ]; then
			wa=1
		else
			wa=0
		fi
		start_bus_and_avahi "$ns" $wa
	done
	for ns in "${nss[@]}"; do
		[ -e "$STATE/$ns/avahi.pid" ] && wait_avahi "$ns"
	done
	echo "lab up: ${nss[*]} (state $STATE)"
	;;
exec)
	ns=$2
	shift 2
	# exec: the command keeps this PID (callers may wait for or stop it)
	DBUS_SYSTEM_BUS_ADDRESS=$(bus "$ns") exec ip netns exec "$ns" "$@"
	;;
prefix)
	echo "$P"
	;;
down)
	[ -e "$STATE/namespaces" ] || { echo "lab not up"; exit 0; }
	for f in "$STATE"/*/avahi.pid "$STATE"/*/dbus.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		if alive "$pid"; then
			kill -TERM "$pid"
			for _ in $(seq 30); do alive "$pid" || break; sleep 0.1; done
		fi
	done
	# processes still inside the namespaces (publishers, simulators) would
	# keep them busy
	while read -r ns; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null || true
		done
	done <"$STATE/namespaces"
	sleep 0.3
	while read -r ns; do
		ip netns del "$ns" 2>/dev/null || true
	done <"$STATE/namespaces"
	rm -rf "$STATE"
	echo "lab down"
	;;
*)
	sed -n '2,16p' "$0"
	exit 2
	;;
esac
