/* SPDX-License-Identifier: MIT */
/*
 * The monotonic clock of durations in reports (common.h), and the wall
 * clock of its instants. Sessions and timers take the loop's time instead
 * (uv_now), as an input.
 */
#include <math.h>
#include <time.h>

#include "espfleet/common.h"

uint64_t
efl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

double
efl_wall_time(uint64_t mono_ms)
{
	struct timespec ts;
	double now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	return floor((now - (double)(efl_now_ms() - mono_ms) / 1000.0) *
	    1000.0) / 1000.0;
}
