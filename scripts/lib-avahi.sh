# SPDX-License-Identifier: MIT
# Shell helpers shared by the scripts that start avahi-daemons for tests
# (ci-avahi-up.sh on loopback, espfleet-netns-lab.sh in namespaces).
# Sourced, not run.

# alive PID: the process exists and is not a zombie
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ -n $s && $s != Z* ]]; }

# write_avahi_conf FILE HOSTNAME IFACE: an avahi-daemon.conf for tests: IPv4
# only, on IFACE only, no wide-area (unicast DNS) lookups, nothing published
# but what the test publishes, and a rate limit that lets a 1000-device
# fleet announce itself.
write_avahi_conf() {
	cat >"$1" <<CONF
[server]
host-name=$2
use-ipv4=yes
use-ipv6=no
allow-interfaces=$3
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
publish-aaaa-on-ipv4=no
CONF
}
