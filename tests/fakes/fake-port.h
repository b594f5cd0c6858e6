/* SPDX-License-Identifier: MIT */
/*
 * A scripted fake port for the agent core's unit tests: records every
 * efa_net_ops call (datagrams with their destination, connect target, TCP
 * bytes, closes, reboots), gives deterministic "random" bytes, and provides
 * a recording efa_sink and efa_hooks with configurable answers and injected
 * errors. Header-only (static inline), no heap, no stdio; one struct holds
 * all of it and is the ctx of the net ops, the sink and the hooks, and every
 * call is appended to a one-letter event log so tests can check the order:
 *
 *   u udp_send   c tcp_connect   s tcp_send   x tcp_close   r reboot
 *   n random     f free_space    B begin      W write       F finish
 *   A abort      S on_start      P on_progress E on_end     ! on_error
 */
#ifndef ESPFLEET_FAKE_PORT_H
#define ESPFLEET_FAKE_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "efa/efa_agent.h"

#define FAKE_UDP_MAX 16       /* the last datagrams kept (power of 2) */
#define FAKE_UDP_LEN 160
#define FAKE_TCP_LEN 2048     /* TCP bytes kept */
#define FAKE_TCP_SENDS 64     /* lengths of the first tcp_send calls */
#define FAKE_SINK_LEN 3072    /* image bytes kept by the sink */
#define FAKE_ERRORS 8
#define FAKE_PROGRESS 64
#define FAKE_EVENTS 256

struct fake_dgram {
	struct efa_addr to;
	uint8_t buf[FAKE_UDP_LEN];
	size_t len;
};

struct fake_port {
	/* ---- net ---- */
	struct fake_dgram udp[FAKE_UDP_MAX]; /* ring: see fake_udp_at() */
	unsigned udp_count;          /* all udp_send calls */
	struct efa_addr connect_to;
	unsigned connect_count;
	int connect_result;          /* what tcp_connect returns */
	uint8_t tcp[FAKE_TCP_LEN];   /* every tcp_send, concatenated */
	size_t tcp_len;              /* bytes kept in tcp[] */
	size_t tcp_total;            /* bytes sent in all */
	unsigned tcp_send_count;
	size_t tcp_send_len[FAKE_TCP_SENDS];
	unsigned tcp_close_count;
	unsigned reboot_count;
	unsigned random_count;
	size_t random_last_len;
	int random_result;           /* what random returns (0 or -1) */
	const uint8_t *random_pattern; /* NULL: a running counter */
	size_t random_pattern_len;
	uint8_t random_next;

	/* ---- sink ---- */
	uint32_t free_space;
	unsigned free_count;
	int free_cmd;
	unsigned begin_count;
	int begin_cmd;
	uint32_t begin_size;
	enum efa_err begin_err;
	unsigned write_count;
	unsigned write_fail_at;      /* 1-based write call that fails; 0 none */
	enum efa_err write_err;
	uint32_t written;
	uint8_t data[FAKE_SINK_LEN];
	unsigned finish_count;
	enum efa_err finish_err;
	uint8_t finish_md5[16];
	unsigned abort_count;
	unsigned confirm_count;
	enum efa_err confirm_err;
	unsigned reject_count;
	enum efa_err reject_err;

	/* ---- hooks ---- */
	int start_ret;               /* non-zero: on_start vetoes */
	unsigned start_count;
	int start_cmd;
	uint32_t start_size;
	unsigned progress_count;
	uint32_t progress_done[FAKE_PROGRESS];
	uint32_t progress_total;
	unsigned end_count;
	int end_cmd;
	unsigned error_count;
	enum efa_err errors[FAKE_ERRORS];

	/* ---- order of all calls ---- */
	char events[FAKE_EVENTS + 1];
	unsigned event_count;
};

static inline void
fake_event(struct fake_port *f, char e)
{
	if (f->event_count < FAKE_EVENTS)
		f->events[f->event_count] = e;
	f->event_count++;
	f->events[f->event_count < FAKE_EVENTS ? f->event_count :
	    FAKE_EVENTS] = '\0';
}

/* ------------------------------------------------------------ net ops */

static inline void
fake_udp_send(void *ctx, const struct efa_addr *to, const uint8_t *buf,
    size_t len)
{
	struct fake_port *f = ctx;

	struct fake_dgram *d = &f->udp[f->udp_count & (FAKE_UDP_MAX - 1)];

	fake_event(f, 'u');
	d->to = *to;
	d->len = len;
	memcpy(d->buf, buf, len < FAKE_UDP_LEN ? len : FAKE_UDP_LEN);
	f->udp_count++;
}

/* The i-th datagram sent (0-based), or NULL if not sent or no longer
 * kept (only the last FAKE_UDP_MAX are). */
static inline const struct fake_dgram *
fake_udp_at(const struct fake_port *f, unsigned i)
{
	if (i >= f->udp_count || f->udp_count - i > FAKE_UDP_MAX)
		return NULL;
	return &f->udp[i & (FAKE_UDP_MAX - 1)];
}

static inline int
fake_tcp_connect(void *ctx, const struct efa_addr *to)
{
	struct fake_port *f = ctx;

	fake_event(f, 'c');
	f->connect_to = *to;
	f->connect_count++;
	return f->connect_result;
}

static inline void
fake_tcp_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct fake_port *f = ctx;
	size_t i;

	fake_event(f, 's');
	if (f->tcp_send_count < FAKE_TCP_SENDS)
		f->tcp_send_len[f->tcp_send_count] = len;
	f->tcp_send_count++;
	for (i = 0; i < len && f->tcp_len < FAKE_TCP_LEN; i++)
		f->tcp[f->tcp_len++] = buf[i];
	f->tcp_total += len;
}

static inline void
fake_tcp_close(void *ctx)
{
	struct fake_port *f = ctx;

	fake_event(f, 'x');
	f->tcp_close_count++;
}

static inline int
fake_random(void *ctx, uint8_t *buf, size_t len)
{
	struct fake_port *f = ctx;
	size_t i;

	fake_event(f, 'n');
	f->random_count++;
	f->random_last_len = len;
	if (f->random_result != 0)
		return f->random_result;
	for (i = 0; i < len; i++) {
		if (f->random_pattern != NULL) {
			size_t j = i;

			while (j >= f->random_pattern_len)
				j -= f->random_pattern_len;
			buf[i] = f->random_pattern[j];
		} else {
			buf[i] = f->random_next++;
		}
	}
	return 0;
}

static inline void
fake_reboot(void *ctx)
{
	struct fake_port *f = ctx;

	fake_event(f, 'r');
	f->reboot_count++;
}

/* ----------------------------------------------------------- sink ops */

static inline uint32_t
fake_free_space(void *ctx, int cmd)
{
	struct fake_port *f = ctx;

	fake_event(f, 'f');
	f->free_count++;
	f->free_cmd = cmd;
	return f->free_space;
}

static inline enum efa_err
fake_begin(void *ctx, int cmd, uint32_t size)
{
	struct fake_port *f = ctx;

	fake_event(f, 'B');
	f->begin_count++;
	f->begin_cmd = cmd;
	f->begin_size = size;
	f->written = 0;
	return f->begin_err;
}

static inline enum efa_err
fake_write(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct fake_port *f = ctx;
	uint32_t i;

	fake_event(f, 'W');
	f->write_count++;
	if (f->write_fail_at != 0 && f->write_count == f->write_fail_at)
		return f->write_err;
	for (i = 0; i < len; i++) {
		if (f->written < FAKE_SINK_LEN)
			f->data[f->written] = buf[i];
		f->written++;
	}
	return EFA_E_OK;
}

static inline enum efa_err
fake_finish(void *ctx, const uint8_t md5[16])
{
	struct fake_port *f = ctx;

	fake_event(f, 'F');
	f->finish_count++;
	memcpy(f->finish_md5, md5, 16);
	return f->finish_err;
}

static inline void
fake_abort(void *ctx)
{
	struct fake_port *f = ctx;

	fake_event(f, 'A');
	f->abort_count++;
}

static inline enum efa_err
fake_confirm(void *ctx)
{
	struct fake_port *f = ctx;

	fake_event(f, 'K');
	f->confirm_count++;
	return f->confirm_err;
}

static inline enum efa_err
fake_reject(void *ctx)
{
	struct fake_port *f = ctx;

	fake_event(f, 'J');
	f->reject_count++;
	return f->reject_err;
}

/* -------------------------------------------------------------- hooks */

static inline int
fake_on_start(void *ctx, int cmd, uint32_t size)
{
	struct fake_port *f = ctx;

	fake_event(f, 'S');
	f->start_count++;
	f->start_cmd = cmd;
	f->start_size = size;
	return f->start_ret;
}

static inline void
fake_on_progress(void *ctx, uint32_t done, uint32_t total)
{
	struct fake_port *f = ctx;

	fake_event(f, 'P');
	if (f->progress_count < FAKE_PROGRESS)
		f->progress_done[f->progress_count] = done;
	f->progress_count++;
	f->progress_total = total;
}

static inline void
fake_on_end(void *ctx, int cmd)
{
	struct fake_port *f = ctx;

	fake_event(f, 'E');
	f->end_count++;
	f->end_cmd = cmd;
}

static inline void
fake_on_error(void *ctx, enum efa_err err)
{
	struct fake_port *f = ctx;

	fake_event(f, '!');
	if (f->error_count < FAKE_ERRORS)
		f->errors[f->error_count] = err;
	f->error_count++;
}

/* -------------------------------------------------------------- setup */

static inline const struct efa_net_ops *
fake_net_ops(void)
{
	static const struct efa_net_ops ops = {
		fake_udp_send, fake_tcp_connect, fake_tcp_send, fake_tcp_close,
		fake_random, fake_reboot
	};

	return &ops;
}

static inline const struct efa_sink_ops *
fake_sink_ops(void)
{
	static const struct efa_sink_ops ops = {
		fake_free_space, fake_begin, fake_write, fake_finish,
		fake_abort, fake_confirm, fake_reject
	};

	return &ops;
}

/* A sink that cannot roll back (no confirm, no reject), like the Arduino
 * port's Update on the ESP8266. */
static inline const struct efa_sink_ops *
fake_sink_ops_no_rollback(void)
{
	static const struct efa_sink_ops ops = {
		fake_free_space, fake_begin, fake_write, fake_finish,
		fake_abort, NULL, NULL
	};

	return &ops;
}

/* Everything zero except a roomy sink (1 MB free). */
static inline void
fake_port_init(struct fake_port *f)
{
	memset(f, 0, sizeof(*f));
	f->free_space = 1u << 20;
}

/* Bind an agent to f; with_hooks 0 passes NULL hooks. */
static inline void
fake_port_agent_init(struct fake_port *f, struct efa_agent *a,
    const struct efa_agent_config *cfg, int with_hooks)
{
	struct efa_hooks hooks;

	hooks.on_start = fake_on_start;
	hooks.on_progress = fake_on_progress;
	hooks.on_end = fake_on_end;
	hooks.on_error = fake_on_error;
	hooks.ctx = f;
	efa_agent_init(a, cfg, fake_net_ops(), f, fake_sink_ops(), f,
	    with_hooks ? &hooks : NULL);
}

/* Forget what was recorded so far (keeps the configured answers). */
static inline void
fake_port_clear_log(struct fake_port *f)
{
	f->udp_count = 0;
	f->connect_count = 0;
	memset(&f->connect_to, 0, sizeof(f->connect_to));
	f->tcp_len = 0;
	f->tcp_total = 0;
	f->tcp_send_count = 0;
	f->tcp_close_count = 0;
	f->reboot_count = 0;
	f->random_count = 0;
	f->free_count = 0;
	f->begin_count = 0;
	f->write_count = 0;
	f->written = 0;
	f->finish_count = 0;
	f->abort_count = 0;
	f->start_count = 0;
	f->progress_count = 0;
	f->end_count = 0;
	f->error_count = 0;
	f->event_count = 0;
	f->events[0] = '\0';
}

/* An IPv4 endpoint. */
static inline struct efa_addr
fake_addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct efa_addr x;

	memset(&x, 0, sizeof(x));
	x.family = 4;
	x.ip[0] = a;
	x.ip[1] = b;
	x.ip[2] = c;
	x.ip[3] = d;
	x.port = port;
	return x;
}

#endif
