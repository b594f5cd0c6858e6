/* SPDX-License-Identifier: MIT */
/*
 * The timing model of one simulated device's espota transfer: when the
 * device's update loop takes in bytes, when its flash writes end and when
 * each count leaves, as a real ArduinoOTA/Updater device keeps time. Pure
 * (no I/O, no clock): the driver in sim-device.c feeds it the bytes it
 * takes from the socket and the time, and asks what happens next.
 *
 * The device is one thread running a read -> write -> acknowledge loop:
 *   - an iteration starts when bytes have arrived and the device is free;
 *     it reads everything that has arrived (at most the TCP window) into
 *     the sector buffer;
 *   - each time the buffer is full (one flash sector) or holds the end of
 *     the image it is written: erase + program at the modelled rate, during
 *     which the device reads nothing; the rest of the iteration's bytes
 *     are read after that write;
 *   - then the iteration's count leaves (one count per iteration).
 * The link: the host may send at most one TCP window beyond what the
 * device has read; bytes reach the device half a round trip after the host
 * sent them, counts and window updates reach the host half a round trip
 * after the device sent them. Docs: docs/simulator.md.
 */
#ifndef ESPFLEET_SIM_TIMING_H
#define ESPFLEET_SIM_TIMING_H

#include <stdint.h>

#define SIM_TIMING_NEVER UINT64_MAX
#define SIM_TIMING_MARKS 32

struct sim_timing_cfg {
	uint32_t rate;        /* flash bytes per second; 0 = instant */
	uint64_t rtt_ns;      /* round trip; half of it each way */
	uint32_t window;      /* TCP receive window of the device */
	uint32_t sector;      /* the write buffer: one flash sector */
	uint64_t catch_up_ns; /* how late an iteration may start (below) */
};

/* "Bytes up to off, at time t": when the host's bytes were seen, when the
 * device read bytes. Both only grow. */
struct sim_timing_mark {
	uint32_t off;
	uint64_t t;
};

struct sim_timing_marks {
	struct sim_timing_mark m[SIM_TIMING_MARKS];
	uint32_t head, count;
	struct sim_timing_mark floor; /* the newest one dropped */
};

struct sim_timing {
	struct sim_timing_cfg cfg;
	uint32_t size;        /* image size; 0 = unknown (no final write) */
	uint32_t taken;       /* bytes the host has sent (seen by the driver) */
	uint32_t consumed;    /* bytes the device's loop has read */
	uint32_t buffered;    /* of them, in the sector buffer */
	uint32_t delivered;   /* bytes of iterations that have ended */
	uint64_t free_at;     /* the loop is free (last iteration's end) */
	uint8_t in_iteration;
	uint32_t iter_end_off;
	uint64_t iter_end_t;
	uint64_t flash_ns;    /* total flash time spent (for reports) */
	struct sim_timing_marks seen;      /* taken, by time seen */
	struct sim_timing_marks read;      /* consumed, by time read */
};

/* A new connection at time now, for an image of size bytes (0: unknown). */
void sim_timing_start(struct sim_timing *m, const struct sim_timing_cfg *cfg,
    uint32_t size, uint64_t now);

/* The driver took n more bytes from the socket at time now: the host sent
 * them then (or, while the window was closed, as soon as it opened). The
 * driver must take bytes as they land while the device may still need
 * them, so that "now" is when they were sent. */
void sim_timing_taken(struct sim_timing *m, uint32_t n, uint64_t now);

/*
 * Advance the device to time now. Returns the byte count of the next
 * iteration that has ended by then (hand that many bytes to the agent now;
 * its count reaches the host at *count_at), or 0 when none has: then
 * *wake is when to ask again (SIM_TIMING_NEVER: after the next take).
 * Call again after a non-zero answer.
 *
 * Iterations are chained in model time: when the driver asks late (its
 * thread was busy), the device is taken to have kept running and the next
 * iteration starts when it would have, but no earlier than
 * cfg.catch_up_ns before now (beyond that the device is taken to have
 * stalled).
 */
uint32_t sim_timing_poll(struct sim_timing *m, uint64_t now,
    uint64_t *count_at, uint64_t *wake);

/* Bytes that have arrived at the device by time t (have been sent by the
 * host and travelled half a round trip; at most one window beyond what
 * the device read a round trip earlier). */
uint32_t sim_timing_arrived(const struct sim_timing *m, uint64_t t);

/*
 * The model's answer for a whole transfer of size bytes from a host that
 * keeps the window full (chunk 0: espfleet) or sends chunk bytes and waits
 * for their count (stop-and-wait: espota.py), the host answering at once:
 * nanoseconds from the first byte to the last count reaching the host.
 * The bench prints it as the limit next to what it measures.
 */
uint64_t sim_timing_transfer_ns(const struct sim_timing_cfg *cfg,
    uint32_t size, uint32_t chunk);

/* Time a flash write of n bytes takes. */
uint64_t sim_timing_flash_ns(const struct sim_timing_cfg *cfg, uint32_t n);

#endif
