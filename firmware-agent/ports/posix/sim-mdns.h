/* SPDX-License-Identifier: MIT */
/*
 * espfleet-sim --mdns: every simulated device is published over mDNS
 * through avahi (one entry group per device, each device under its own
 * host name resolving to its own address; one avahi client per 500
 * devices), with the stock ArduinoOTA TXT keys plus the agent's keys.
 * Runs on the fleet's libuv loop.
 */
#ifndef ESPFLEET_SIM_MDNS_H
#define ESPFLEET_SIM_MDNS_H

#include <stddef.h>

struct sim_fleet;

/* Connect to avahi and hook the fleet's online/offline events.
 * 0, or -1 with a message in err (e.g. no avahi-daemon). */
int sim_mdns_start(struct sim_fleet *fleet, char *err, size_t errlen);

/* 1 once every online device's entry group is committed (not
 * necessarily established yet). */
int sim_mdns_all_committed(struct sim_fleet *fleet);

/* Withdraw everything and disconnect; the loop must run on to release the
 * handles. Safe to call twice. */
void sim_mdns_stop(struct sim_fleet *fleet);

#endif
