/* SPDX-License-Identifier: MIT */
/*
 * The monotonic clock of durations in reports (common.h). Sessions and
 * timers take the loop's time instead (uv_now), as an input.
 */
#include <time.h>

#include "espfleet/common.h"

uint64_t
efl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
