/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the simulator's timing model (sim-timing.c), in model
 * time: a pipelined host that keeps the window full and a stop-and-wait
 * host (espota.py: one chunk, then wait for the count) against the
 * firmware-like device loop, checked against the closed forms of
 * docs/simulator.md; flash time spent when a sector is written, never
 * earned while waiting; the window; half the round trip each way;
 * catching up after a late poll.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim-timing.h"

#define T0 1000000000000ull       /* any clock value */
#define MS 1000000ull
#define S 1000000000ull

static struct sim_timing_cfg
cfg_of(uint32_t rate, uint32_t rtt_ms, uint32_t window)
{
	struct sim_timing_cfg c;

	memset(&c, 0, sizeof(c));
	c.rate = rate;
	c.rtt_ns = rtt_ms * MS;
	c.window = window;
	c.sector = 4096;
	c.catch_up_ns = 250 * MS;
	return c;
}

/* A connection at T0 (image size unknown) on which the host sent n
 * bytes at once. */
static void
start_sent(struct sim_timing *m, const struct sim_timing_cfg *c, uint32_t n)
{
	sim_timing_start(m, c, 0, T0);
	sim_timing_taken(m, n, T0);
}

/* Iteration sizes of a transfer from a host that sent the whole image at
 * once, polling exactly when the model asks. */
struct iterations {
	uint32_t count, first, max;
};

static struct iterations
iterations_pipelined(const struct sim_timing_cfg *c, uint32_t size)
{
	struct sim_timing m;
	struct iterations it;
	uint64_t now = T0, count_at = 0, wake = 0;
	uint32_t done = 0, n;

	memset(&it, 0, sizeof(it));
	sim_timing_start(&m, c, size, T0);
	sim_timing_taken(&m, size, T0);
	while (done < size) {
		n = sim_timing_poll(&m, now, &count_at, &wake);
		if (n == 0) {
			assert_true(wake != SIM_TIMING_NEVER && wake > now);
			now = wake;
			continue;
		}
		assert_true(count_at >= now);
		if (it.count++ == 0)
			it.first = n;
		if (n > it.max)
			it.max = n;
		done += n;
	}
	assert_int_equal(done, size);
	return it;
}

/* Bytes per second of a whole transfer (chunk 0: pipelined host). */
static double
throughput(const struct sim_timing_cfg *c, uint32_t size, uint32_t chunk)
{
	return (double)size * 1e9 /
	    (double)sim_timing_transfer_ns(c, size, chunk);
}

static void
assert_near(double got, double want, double tol, const char *what)
{
	if (got < want * (1 - tol) || got > want * (1 + tol))
		fail_msg("%s: %.1f, want %.1f (+-%.1f%%)", what, got, want,
		    tol * 100);
}

/* rtt 0: the image takes image/rate, to the nanosecond per sector. */
static void
test_pipelined_at_flash_rate(void **state)
{
	struct sim_timing_cfg c = cfg_of(81920, 0, 2920);
	struct iterations it = iterations_pipelined(&c, 1048576);

	(void)state;
	assert_true(sim_timing_transfer_ns(&c, 1048576, 0) ==
	    1048576ull * S / 81920);
	assert_true(it.max <= 2920);
	assert_int_equal(it.first, 2920);
}

/* ESP8266: a 2920-byte window is less than a sector, so every sector
 * waits one round trip for its last bytes: sector / (rtt + sector/rate). */
static void
test_pipelined_window_below_sector(void **state)
{
	static const uint32_t rtts[] = { 5, 20, 50 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rtts) / sizeof(rtts[0]); i++) {
		struct sim_timing_cfg c = cfg_of(81920, rtts[i], 2920);
		char what[64];

		snprintf(what, sizeof(what), "esp8266 rtt %u ms", rtts[i]);
		assert_near(throughput(&c, 1048576, 0),
		    4096.0 / (rtts[i] / 1e3 + 4096.0 / 81920), 0.01, what);
		assert_true(iterations_pipelined(&c, 1048576).max <= 2920);
	}
}

/* Instant flash: the window per round trip is the limit. */
static void
test_pipelined_window_per_rtt(void **state)
{
	struct sim_timing_cfg c = cfg_of(0, 20, 5744);

	(void)state;
	assert_near(throughput(&c, 1048576, 0), 5744 / 0.020, 0.01,
	    "window/rtt");
	assert_true(iterations_pipelined(&c, 1048576).max <= 5744);
}

/* ESP32 window (larger than a sector) at a short round trip: the flash
 * rate, with the round trips hidden behind the writes. */
static void
test_pipelined_esp32_hides_rtt(void **state)
{
	struct sim_timing_cfg c = cfg_of(409600, 5, 5744);

	(void)state;
	assert_near(throughput(&c, 1048576, 0), 409600, 0.02, "esp32 5 ms");
}

/* Stop-and-wait against the closed form chunk / (rtt + chunk/rate), for
 * both chips' chunks and windows. */
static void
test_stop_and_wait_formula(void **state)
{
	static const struct {
		uint32_t rate, window, chunk;
	} chips[] = { { 81920, 2920, 1460 }, { 409600, 5744, 1024 } };
	static const uint32_t rtts[] = { 0, 5, 20 };
	size_t i, j;

	(void)state;
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++) {
			struct sim_timing_cfg c = cfg_of(chips[i].rate, rtts[j],
			    chips[i].window);
			double want = chips[i].chunk / (rtts[j] / 1e3 +
			    (double)chips[i].chunk / chips[i].rate);
			char what[64];

			snprintf(what, sizeof(what), "chunk %u rtt %u ms",
			    chips[i].chunk, rtts[j]);
			assert_near(throughput(&c, 1048576, chips[i].chunk),
			    want, 0.01, what);
		}
}

/* The old token bucket let a device that waits for data "write" in the
 * background; the firmware writes when its buffer is full, however long it
 * waited before. Four 1024-byte chunks a second apart: the count of the
 * fourth leaves a whole sector write after that chunk arrived. */
static void
test_no_flash_credit_while_waiting(void **state)
{
	struct sim_timing_cfg c = cfg_of(81920, 0, 2920);
	struct sim_timing m;
	uint64_t now, count_at = 0, wake = 0;
	uint32_t k;

	(void)state;
	sim_timing_start(&m, &c, 8192, T0);
	for (k = 0; k < 4; k++) {
		now = T0 + k * S;
		sim_timing_taken(&m, 1024, now);
		assert_int_equal(sim_timing_poll(&m, now, &count_at, &wake),
		    k < 3 ? 1024 : 0);
		if (k < 3) {
			assert_true(count_at == now);
			continue;
		}
		/* the sector write: 4096 / 81920 s = 50 ms */
		assert_true(wake == now + 50 * MS);
		assert_int_equal(sim_timing_poll(&m, wake, &count_at, &wake),
		    1024);
		assert_true(count_at == now + 50 * MS);
	}
	assert_true(m.flash_ns == 50 * MS);
}

/* Data takes half the round trip to the device, the count half back. */
static void
test_half_rtt_each_way(void **state)
{
	struct sim_timing_cfg c = cfg_of(0, 30, 2920);
	struct sim_timing m;
	uint64_t count_at = 0, wake = 0;

	(void)state;
	start_sent(&m, &c, 100);
	assert_int_equal(sim_timing_arrived(&m, T0 + 15 * MS - 1), 0);
	assert_int_equal(sim_timing_arrived(&m, T0 + 15 * MS), 100);
	assert_int_equal(sim_timing_poll(&m, T0, &count_at, &wake), 0);
	assert_true(wake == T0 + 15 * MS);
	assert_int_equal(sim_timing_poll(&m, wake, &count_at, &wake), 100);
	assert_true(count_at == T0 + 30 * MS);
}

/* At most a window beyond what the device read a round trip earlier. */
static void
test_window_caps_arrivals(void **state)
{
	struct sim_timing_cfg c = cfg_of(0, 10, 2920);
	struct sim_timing m;
	uint64_t count_at = 0, wake = 0;

	(void)state;
	start_sent(&m, &c, 100000);
	assert_int_equal(sim_timing_arrived(&m, T0 + 5 * MS), 2920);
	assert_int_equal(sim_timing_poll(&m, T0 + 5 * MS, &count_at, &wake),
	    2920);
	/* the read at 5 ms reopens the window at the host at 10 ms; the
	 * bytes it sends then arrive at 15 ms */
	assert_int_equal(sim_timing_poll(&m, T0 + 5 * MS, &count_at, &wake),
	    0);
	assert_true(wake == T0 + 15 * MS);
	assert_int_equal(sim_timing_arrived(&m, T0 + 15 * MS), 5840);
}

/* The end of the image is written even when it does not fill a sector. */
static void
test_last_partial_sector(void **state)
{
	struct sim_timing_cfg c = cfg_of(40960, 0, 8192);

	(void)state;
	/* 4096 bytes (100 ms) + 904 bytes (22.07 ms) */
	assert_true(sim_timing_transfer_ns(&c, 5000, 0) ==
	    4096ull * S / 40960 + 904ull * S / 40960);
}

/* A late poll (the simulator's thread was busy) keeps model time; a very
 * late one counts as a stall of the device. */
static void
test_catch_up(void **state)
{
	struct sim_timing_cfg c = cfg_of(81920, 0, 2920);
	struct sim_timing m;
	uint64_t count_at = 0, wake = 0;

	(void)state;
	start_sent(&m, &c, 4096);
	assert_int_equal(sim_timing_poll(&m, T0, &count_at, &wake), 2920);
	/* polled 100 ms late: the second iteration began at T0 all the same */
	assert_int_equal(sim_timing_poll(&m, T0 + 100 * MS, &count_at,
	    &wake), 1176);
	assert_true(count_at == T0 + 50 * MS);

	start_sent(&m, &c, 4096);
	assert_int_equal(sim_timing_poll(&m, T0, &count_at, &wake), 2920);
	/* polled a second late: it began 250 ms before the poll */
	assert_int_equal(sim_timing_poll(&m, T0 + S, &count_at, &wake),
	    1176);
	assert_true(count_at == T0 + S - 250 * MS + 50 * MS);
}

/* Many small takes (more than the model keeps marks for) still deliver
 * every byte, in order. */
static void
test_many_small_takes(void **state)
{
	struct sim_timing_cfg c = cfg_of(81920, 20, 2920);
	struct sim_timing m;
	uint64_t now = T0, count_at = 0, wake = 0;
	uint32_t k, n, done = 0;

	(void)state;
	sim_timing_start(&m, &c, 0, T0);
	for (k = 0; k < 1000; k++)
		sim_timing_taken(&m, 10, T0 + k * 1000);
	while (done < 10000) {
		n = sim_timing_poll(&m, now, &count_at, &wake);
		assert_true(n <= 2920);
		done += n;
		if (n == 0) {
			assert_true(wake != SIM_TIMING_NEVER);
			now = wake;
		}
	}
	assert_int_equal(done, 10000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined_at_flash_rate),
		cmocka_unit_test(test_pipelined_window_below_sector),
		cmocka_unit_test(test_pipelined_window_per_rtt),
		cmocka_unit_test(test_pipelined_esp32_hides_rtt),
		cmocka_unit_test(test_stop_and_wait_formula),
		cmocka_unit_test(test_no_flash_credit_while_waiting),
		cmocka_unit_test(test_half_rtt_each_way),
		cmocka_unit_test(test_window_caps_arrivals),
		cmocka_unit_test(test_last_partial_sector),
		cmocka_unit_test(test_catch_up),
		cmocka_unit_test(test_many_small_takes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
