#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Stop what scripts/ci-avahi-up.sh started (only that, by the PID in the
# daemons' pid files, and only where its marker says so). Idempotent.
#   ESPFLEET_CI_DIR   the state directory ci-avahi-up.sh used
set -uo pipefail
STATE=${ESPFLEET_CI_DIR:-/run/espfleet-ci}
# zombies count as gone
# shellcheck source=lib-avahi.sh
. "$(dirname "$0")/lib-avahi.sh"
stop_pidfile() {   # stop_pidfile <pidfile>
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid"; then
		kill -TERM "$pid"
		for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
		alive "$pid" && kill -KILL "$pid"
	fi
	rm -f "$1"
}
if [ -e "$STATE/avahi.started-by-us" ]; then
	stop_pidfile /run/avahi-daemon/pid
	rm -f "$STATE/avahi.started-by-us"
fi
if [ -e "$STATE/dbus.started-by-us" ]; then
	stop_pidfile /run/dbus/pid    # dbus-daemon leaves pid file + socket behind
	rm -f /run/dbus/system_bus_socket "$STATE/dbus.started-by-us"
fi
echo "espfleet CI services stopped"
