/* SPDX-License-Identifier: MIT */
/*
 * The device's timing model (see sim-timing.h): a firmware-like
 * read -> write -> acknowledge loop over a windowed link with a round trip,
 * computed in model time from the bytes the driver takes and when.
 */
#include <string.h>

#include "sim-timing.h"

#define NS_PER_S 1000000000ull

/* ---- marks: (offset, time) pairs, both non-decreasing ---- */

static void
marks_reset(struct sim_timing_marks *ms)
{
	memset(ms, 0, sizeof(*ms));
}

static struct sim_timing_mark *
mark_at(struct sim_timing_marks *ms, uint32_t i)
{
	return &ms->m[(ms->head + i) % SIM_TIMING_MARKS];
}

static const struct sim_timing_mark *
mark_at_c(const struct sim_timing_marks *ms, uint32_t i)
{
	return &ms->m[(ms->head + i) % SIM_TIMING_MARKS];
}

/* Bytes up to off by time t. A mark of the same time grows; when all
 * slots are taken the newest one grows (its earlier bytes then count as
 * later: the model errs on the slow side, and only for a driver that
 * takes tiny reads faster than the device uses them). */
static void
marks_push(struct sim_timing_marks *ms, uint32_t off, uint64_t t)
{
	struct sim_timing_mark *last;

	if (ms->count > 0) {
		last = mark_at(ms, ms->count - 1);
		if (last->t >= t || ms->count == SIM_TIMING_MARKS) {
			last->off = off;
			if (t > last->t)
				last->t = t;
			return;
		}
	}
	last = mark_at(ms, ms->count++);
	last->off = off;
	last->t = t;
}

/* Forget marks at or below off (the newest of them stays as the floor). */
static void
marks_drop(struct sim_timing_marks *ms, uint32_t off)
{
	while (ms->count > 0 && ms->m[ms->head].off <= off) {
		ms->floor = ms->m[ms->head];
		ms->head = (ms->head + 1) % SIM_TIMING_MARKS;
		ms->count--;
	}
}

/* The offset reached by time t (the floor when no kept mark is that old:
 * the model only asks for times after the floor's). */
static uint32_t
marks_by(const struct sim_timing_marks *ms, uint64_t t)
{
	uint32_t off = ms->floor.off, i;

	for (i = 0; i < ms->count; i++) {
		const struct sim_timing_mark *mk = mark_at_c(ms, i);

		if (mk->t > t)
			break;
		off = mk->off;
	}
	return off;
}

/* When the first kept mark beyond off was made; NEVER if none is. */
static uint64_t
marks_when_beyond(const struct sim_timing_marks *ms, uint32_t off)
{
	uint32_t i;

	for (i = 0; i < ms->count; i++) {
		const struct sim_timing_mark *mk = mark_at_c(ms, i);

		if (mk->off > off)
			return mk->t;
	}
	return SIM_TIMING_NEVER;
}

/* ---- the model ---- */

static uint64_t
half_rtt(const struct sim_timing *m)
{
	return m->cfg.rtt_ns / 2;
}

uint64_t
sim_timing_flash_ns(const struct sim_timing_cfg *cfg, uint32_t n)
{
	return cfg->rate == 0 ? 0 : (uint64_t)n * NS_PER_S / cfg->rate;
}

void
sim_timing_start(struct sim_timing *m, const struct sim_timing_cfg *cfg,
    uint32_t size, uint64_t now)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (m->cfg.sector == 0)
		m->cfg.sector = 4096;
	if (m->cfg.window == 0)
		m->cfg.window = 1;
	m->size = size;
	m->free_at = now;
	marks_reset(&m->seen);
	marks_reset(&m->read);
	m->seen.floor.t = m->read.floor.t = now;
}

void
sim_timing_taken(struct sim_timing *m, uint32_t n, uint64_t now)
{
	if (n == 0)
		return;
	m->taken += n;
	marks_push(&m->seen, m->taken, now);
}

uint32_t
sim_timing_arrived(const struct sim_timing *m, uint64_t t)
{
	uint64_t half = half_rtt(m);
	uint32_t sent, open;

	/* sent by the host half a round trip ago ... */
	sent = t >= half ? marks_by(&m->seen, t - half) : m->seen.floor.off;
	/* ... within the window the host knew of then: what the device had
	 * read a whole round trip ago, plus the window */
	open = (t >= m->cfg.rtt_ns ? marks_by(&m->read, t - m->cfg.rtt_ns) :
	    m->read.floor.off) + m->cfg.window;
	return sent < open ? sent : open;
}

/* The first time from 'from' on when a byte beyond 'consumed' has
 * arrived; NEVER until the host sends more. */
static uint64_t
next_arrival(const struct sim_timing *m, uint64_t from)
{
	uint64_t s = from, t;

	t = marks_when_beyond(&m->seen, m->consumed);
	if (t == SIM_TIMING_NEVER)
		return SIM_TIMING_NEVER;
	if (t + half_rtt(m) > s)
		s = t + half_rtt(m);
	if (m->consumed >= m->cfg.window) {
		/* the window moves when the host hears of the read that made
		 * room for the next byte */
		t = marks_when_beyond(&m->read, m->consumed - m->cfg.window);
		if (t != SIM_TIMING_NEVER && t + m->cfg.rtt_ns > s)
			s = t + m->cfg.rtt_ns;
	}
	return s;
}

/* One iteration of the device's loop from time s: read what has arrived,
 * writing each full sector (and the image's end) as the buffer fills. */
static void
run_iteration(struct sim_timing *m, uint64_t s)
{
	uint32_t target = sim_timing_arrived(m, s), n;
	uint64_t t = s, w;

	while (m->consumed < target) {
		n = target - m->consumed;
		if (n > m->cfg.sector - m->buffered)
			n = m->cfg.sector - m->buffered;
		m->consumed += n;
		m->buffered += n;
		marks_push(&m->read, m->consumed, t);
		if (m->buffered == m->cfg.sector ||
		    (m->size != 0 && m->consumed == m->size)) {
			w = sim_timing_flash_ns(&m->cfg, m->buffered);
			t += w;
			m->flash_ns += w;
			m->buffered = 0;
		}
	}
	m->in_iteration = 1;
	m->iter_end_off = m->consumed;
	m->iter_end_t = t;
	marks_drop(&m->seen, m->consumed);
	if (m->consumed > m->cfg.window)
		marks_drop(&m->read, m->consumed - m->cfg.window);
}

uint32_t
sim_timing_poll(struct sim_timing *m, uint64_t now, uint64_t *count_at,
    uint64_t *wake)
{
	uint64_t s;
	uint32_t n;

	for (;;) {
		if (m->in_iteration) {
			if (m->iter_end_t > now) {
				*wake = m->iter_end_t;
				return 0;
			}
			n = m->iter_end_off - m->delivered;
			m->delivered = m->iter_end_off;
			m->in_iteration = 0;
			m->free_at = m->iter_end_t;
			*count_at = m->iter_end_t + half_rtt(m);
			return n;
		}
		s = next_arrival(m, m->free_at);
		if (s == SIM_TIMING_NEVER || s > now) {
			*wake = s;
			return 0;
		}
		if (now > m->cfg.catch_up_ns && s < now - m->cfg.catch_up_ns)
			s = now - m->cfg.catch_up_ns;
		run_iteration(m, s);
	}
}

uint64_t
sim_timing_transfer_ns(const struct sim_timing_cfg *cfg, uint32_t size,
    uint32_t chunk)
{
	struct sim_timing m;
	const uint64_t t0 = 1;
	uint64_t now = t0, host = t0, count_at = t0, wake;
	uint32_t sent = 0, done = 0, n;

	sim_timing_start(&m, cfg, size, t0);
	while (done < size) {
		if (sent == done) {
			/* the host sends: everything, or the next chunk once
			 * the count of the last one has reached it */
			n = chunk == 0 || size - sent < chunk ? size - sent :
			    chunk;
			sim_timing_taken(&m, n, host);
			sent += n;
		}
		n = sim_timing_poll(&m, now, &count_at, &wake);
		if (n > 0) {
			done += n;
			host = count_at;
			continue;
		}
		if (wake == SIM_TIMING_NEVER)
			break;          /* cannot happen: bytes were sent */
		now = wake;
	}
	return count_at - t0;
}
