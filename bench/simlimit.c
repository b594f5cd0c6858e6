/* SPDX-License-Identifier: MIT */
/*
 * efl-simlimit: what the simulator's timing model (sim-timing.c) allows a
 * transfer, the limit bench/run prints next to its measurements:
 *   efl-simlimit RATE RTT_MS WINDOW SIZE CHUNK  ->  "BYTES_PER_S"
 * for a host that keeps the window full (CHUNK 0: espfleet) or sends
 * CHUNK bytes and waits for their count (stop-and-wait: espota.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-timing.h"

static int
arg(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	*out = strtoul(s, &end, 10);
	return *s != '\0' && *end == '\0' && *out <= max ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct sim_timing_cfg cfg;
	unsigned long rate, rtt, window, size, chunk;
	uint64_t ns;

	if (argc != 6 || arg(argv[1], 0xffffffffUL, &rate) != 0 ||
	    arg(argv[2], 10000, &rtt) != 0 ||
	    arg(argv[3], 1UL << 20, &window) != 0 || window == 0 ||
	    arg(argv[4], 1UL << 30, &size) != 0 || size == 0 ||
	    arg(argv[5], 1UL << 20, &chunk) != 0) {
		fprintf(stderr, "usage: efl-simlimit RATE RTT_MS WINDOW SIZE "
		    "CHUNK\n");
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.rate = (uint32_t)rate;
	cfg.rtt_ns = (uint64_t)rtt * 1000000u;
	cfg.window = (uint32_t)window;
	cfg.sector = 4096;
	ns = sim_timing_transfer_ns(&cfg, (uint32_t)size, (uint32_t)chunk);
	printf("%.0f\n", ns == 0 ? 0.0 : (double)size * 1e9 / (double)ns);
	return 0;
}
