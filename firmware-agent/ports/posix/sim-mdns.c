/*
 * TEMPORARY until the avahi adapter lands: --mdns is refused.
 */
#include <stdio.h>

#include "sim-device.h"
#include "sim-mdns.h"

int
sim_mdns_start(struct sim_fleet *fleet, char *err, size_t errlen)
{
	(void)fleet;
	snprintf(err, errlen, "--mdns is not available yet");
	return -1;
}

void
sim_mdns_stop(struct sim_fleet *fleet)
{
	(void)fleet;
}
