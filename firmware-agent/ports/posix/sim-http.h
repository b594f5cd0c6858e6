/* SPDX-License-Identifier: MIT */
/*
 * espfleet-sim's HTTP update paths (docs/protocol.md 7): each device's /update
 * page as ESP8266HTTPUpdateServer serves it (--http-port; libmicrohttpd on
 * the loop, sim-http.c) and its periodic pull as ESP8266httpUpdate / ESP32
 * HTTPUpdate make it (--pull; libcurl on the loop, sim-pull.c). Both only
 * move bytes: the image checks, the sink and the reboot are the agent
 * core's (efa_upload.h).
 */
#ifndef ESPFLEET_SIM_HTTP_H
#define ESPFLEET_SIM_HTTP_H

#include <stddef.h>

struct sim_device;
struct sim_fleet;

/* The device is up: serve its /update page on its address and
 * --http-port (nothing without one). 0, or -1 with a message in err. */
int sim_http_online(struct sim_device *dev, char *err, size_t errlen);

/* The device goes down (reboot, power loss, stop): connections drop.
 * Safe when not serving, and from inside the page's own handler. */
void sim_http_offline(struct sim_device *dev);

/* Once per process, before any thread: libcurl's global state. */
void sim_pull_global_init(void);

/* The fleet's libcurl adapter on its loop (nothing without --pull).
 * 0, or -1 when libcurl cannot start. */
int sim_pull_fleet_start(struct sim_fleet *fleet);

/* After every device of the fleet stopped; the loop must run on. */
void sim_pull_fleet_stop(struct sim_fleet *fleet);

/* The device is up: pull now (soon) and every --pull-every seconds. */
void sim_pull_online(struct sim_device *dev);

/* The device goes down: no more pulls; one in flight is dropped. */
void sim_pull_offline(struct sim_device *dev);

#endif
