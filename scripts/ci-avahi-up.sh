#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Start a system D-Bus and an avahi-daemon confined to loopback, for the mDNS
# tests (Debian 12, root, no systemd; docs/contributing.md 2). Starts only
# what is missing and records what it started (marker files in the state
# directory) so that ci-avahi-down.sh stops exactly that. Idempotent.
# Packages come from scripts/install-deps; this script installs nothing.
#   ESPFLEET_CI_DIR   state: config, log, markers (default /run/espfleet-ci)
set -euo pipefail
unset DBUS_SYSTEM_BUS_ADDRESS            # we want the real system bus
STATE=${ESPFLEET_CI_DIR:-/run/espfleet-ci}
mkdir -p "$STATE"

for tool in dbus-daemon dbus-send avahi-daemon; do
	command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v "$tool" >/dev/null 2>&1 || {
		echo "ci-avahi-up: '$tool' not found: run scripts/install-deps" >&2
		exit 1
	}
done

# shellcheck source=lib-avahi.sh
. "$(dirname "$0")/lib-avahi.sh"
dbus_ok() {
	timeout 5 dbus-send --system --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.GetId >/dev/null 2>&1
}
avahi_state() {
	timeout 5 dbus-send --system --print-reply=literal \
		--dest=org.freedesktop.Avahi / \
		org.freedesktop.Avahi.Server.GetState 2>/dev/null | awk '{print $2}'
}
avahi_pid_alive() { local p; p=$(cat /run/avahi-daemon/pid 2>/dev/null) && alive "$p"; }

# --- system D-Bus (avahi-daemon talks to its clients over the system bus) ---
if ! dbus_ok; then
	[ "$(id -u)" = 0 ] || {
		echo "ci-avahi-up: no system D-Bus and not root: cannot start one" >&2
		exit 1
	}
	[ -s /etc/machine-id ] || dbus-uuidgen --ensure=/etc/machine-id
	dbus-uuidgen --ensure                  # /var/lib/dbus/machine-id
	mkdir -p /run/dbus
	rm -f /run/dbus/pid                    # a stale pid file blocks the start
	dbus-daemon --system --fork
	touch "$STATE/dbus.started-by-us"
fi
for _ in $(seq 50); do dbus_ok && break; sleep 0.1; done
dbus_ok || { echo "ci-avahi-up: system D-Bus not reachable" >&2; exit 1; }

# --- avahi-daemon, loopback only (never touches real NICs or unicast DNS) ---
write_avahi_conf "$STATE/avahi-daemon.conf" espfleet-ci lo
# (not `avahi-daemon -c`: it reports a killed daemon that is still a zombie
# as running)
if [ "$(avahi_state)" != 2 ] && ! avahi_pid_alive; then
	[ "$(id -u)" = 0 ] || {
		echo "ci-avahi-up: no avahi-daemon and not root: cannot start one" >&2
		exit 1
	}
	rm -f /run/avahi-daemon/pid            # a stale pid file blocks the start
	# foreground daemon detached with setsid so that its log is kept (-D
	# logs to syslog, and there may be no syslog daemon); it drops root to
	# user avahi and chroots by itself
	setsid -f avahi-daemon -f "$STATE/avahi-daemon.conf" \
		>"$STATE/avahi.log" 2>&1 </dev/null
	touch "$STATE/avahi.started-by-us"
fi
for _ in $(seq 100); do [ "$(avahi_state)" = 2 ] && break; sleep 0.1; done
[ "$(avahi_state)" = 2 ] || {              # 2 = RUNNING
	echo "ci-avahi-up: avahi-daemon not running" >&2
	cat "$STATE/avahi.log" >&2 2>/dev/null || true
	exit 1
}
echo "dbus + avahi-daemon ready (avahi pid $(cat /run/avahi-daemon/pid 2>/dev/null || echo '?'))"
