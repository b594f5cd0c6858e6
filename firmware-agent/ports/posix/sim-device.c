/* SPDX-License-Identifier: MIT */
/*
 * A simulated device (see sim-device.h). The agent core decides; this file
 * only moves bytes between libuv and the core, models flash speed and the
 * Wi-Fi round trip on the receive path, injects faults, and plays the
 * device's boot loader, reboots and power cycles.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "efa/efa_image.h"
#include "efa/efa_port.h"
#include "efa/efa_util.h"
#include "efa/efa_hash.h"
#include "sim-app.h"
#include "sim-device.h"
#include "sim-files.h"
#include "sim-http.h"
#include "sim-stage.h"
#include "sim-timing.h"

/* One data connection (the device's connect-back to the host). Freed in
 * its close callback; the device forgets it when it starts closing. */
struct sim_conn {
	uv_tcp_t tcp;
	uv_connect_t connect_req;
	uv_shutdown_t shutdown_req;
	struct sim_device *dev;
	uint8_t connected, reading, close_requested, closing;
	uint8_t transfer_cut;  /* closed in the middle of an image */
	uint32_t writes_pending;
	/* With --rate or --rtt-ms the timing model (sim-timing.h) says when
	 * the device reads: bytes taken from the socket wait in the ring
	 * buf (len bytes from head) until the iteration of the device's loop
	 * that reads them has ended; the agent sees them (and counts) then. */
	uint8_t modelled;
	uint8_t *buf;
	uint32_t head, len, cap;
	struct sim_timing timing;
	uint64_t wake;             /* the model's next event, timer set */
};

struct sim_write {
	uv_write_t req;
	struct sim_conn *conn;
	char data[];
};

static void boot(struct sim_device *dev);
static void conn_close(struct sim_conn *c, int reset);
static void update_reading(struct sim_conn *c);

uint32_t
sim_device_now(const struct sim_device *dev)
{
	return (uint32_t)uv_now(dev->fleet->loop);
}

void
sim_device_log(const struct sim_device *dev, const char *fmt, ...)
{
	va_list ap;

	if (!dev->fleet->opt->verbose)
		return;
	fprintf(stderr, "espfleet-sim: %s: ", dev->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Unix seconds now (device.json's times). */
static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
sim_device_report(struct sim_device *dev)
{
	const struct sim_options *o = dev->fleet->opt;
	struct sim_device_report r;
	static const char *auth_names[] = { "none", "md5", "sha256" };

	memset(&r, 0, sizeof(r));
	r.name = dev->name;
	r.chip = o->chip == EFA_CHIP_ESP32 ? "esp32" : "esp8266";
	r.addr = dev->addr_text;
	r.port = o->port;
	r.auth = auth_names[o->auth];
	r.flash_size = o->flash_size;
	r.fs_size = o->fs_size;
	r.free_space = dev->no_space ? 0 :
	    efa_flashwriter_free_space(&dev->fw, EFA_CMD_FLASH);
	r.running_size = dev->running.size;
	r.running_md5 = dev->running_md5;
	r.version = dev->version;
	r.boot_count = dev->boot_count;
	r.last_error = dev->last_error;
	r.state = dev->online ? "online" : "rebooting";
	r.image_state = efa_image_state_name(efa_agent_image_state(
	    &dev->agent));
	r.rejected_md5 = dev->rejected_md5;
	r.mac = dev->mac_text;
	r.pulls = dev->pulls;
	r.last_pull_status = dev->last_pull_status;
	r.transfer_first_read = dev->first_read;
	r.transfer_queued_at_first_ack = dev->queued_at_first_ack;
	r.transfer_acks = dev->acks_sent;
	r.transfer_bytes = dev->bytes_in;
	r.transfer_seconds = dev->transfer_s;
	r.first_byte_at = dev->first_byte_at;
	r.boot_at = dev->boot_at;
	if (sim_write_device_json(dev->dir, &r) != 0) {
		char path[PATH_MAX];

		/* never a stale one: no device.json says nothing wrong */
		fprintf(stderr, "espfleet-sim: %s: cannot write device.json: "
		    "%s (removed)\n", dev->name, strerror(errno));
		if (snprintf(path, sizeof(path), "%s/device.json", dev->dir) <
		    (int)sizeof(path))
			unlink(path);
	}
}

/* dir/name into out; -1 if it does not fit. */
static int
dev_path(const struct sim_device *dev, const char *name, char *out,
    size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", dev->dir, name);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* ---- the agent's timers ---- */

static void
agent_timer_cb(uv_timer_t *t)
{
	struct sim_device *dev = t->data;
	uint32_t ms;

	dev->agent_timer_due = 0;
	efa_agent_tick(&dev->agent, sim_device_now(dev));
	if (dev->power_lost || !dev->online)
		return;
	ms = efa_agent_next_timeout(&dev->agent, sim_device_now(dev));
	if (ms != EFA_NO_TIMEOUT) {
		dev->agent_timer_due = uv_now(dev->fleet->loop) + ms;
		uv_timer_start(&dev->agent_timer, agent_timer_cb, ms, 0);
	}
}

static void power_cycle(struct sim_device *dev);

/* After every input to the agent: make sure its timer fires no later than
 * its next deadline, handle power loss. The data timeout moves on with
 * every read; a timer already due sooner is left alone (it re-checks). */
void
sim_device_after_agent(struct sim_device *dev)
{
	uint32_t ms;
	uint64_t due;

	if (dev->power_lost) {
		power_cycle(dev);
		return;
	}
	ms = efa_agent_next_timeout(&dev->agent, sim_device_now(dev));
	if (ms == EFA_NO_TIMEOUT) {
		uv_timer_stop(&dev->agent_timer);
		dev->agent_timer_due = 0;
		return;
	}
	due = uv_now(dev->fleet->loop) + ms;
	if (dev->agent_timer_due != 0 && dev->agent_timer_due <= due &&
	    uv_is_active((uv_handle_t *)&dev->agent_timer))
		return;
	dev->agent_timer_due = due;
	uv_timer_start(&dev->agent_timer, agent_timer_cb, ms, 0);
}

/* ---- sink: the flash writer, plus the no-space fault and power loss ---- */

static void
note_flash_error(struct sim_device *dev, enum efa_err err)
{
	if (err == EFA_E_POWERLOSS)
		dev->power_lost = 1;
}

static uint32_t
sink_free_space(void *ctx, int cmd)
{
	struct sim_device *dev = ctx;

	if (dev->no_space)
		return 0;
	return efa_flashwriter_stage_sink.free_space(&dev->fw, cmd);
}

static enum efa_err
sink_begin(void *ctx, int cmd, uint32_t size)
{
	struct sim_device *dev = ctx;
	enum efa_err err = efa_flashwriter_stage_sink.begin(&dev->fw, cmd,
	    size);

	note_flash_error(dev, err);
	return err;
}

static enum efa_err
sink_write(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct sim_device *dev = ctx;
	enum efa_err err = efa_flashwriter_stage_sink.write(&dev->fw, buf, len);

	note_flash_error(dev, err);
	return err;
}

/*
 * Before the commit: the disk blocks of everything the commit and the boot
 * copy after it write (the destination of the image, the boot-record and
 * info sectors) and of running.bin. A device's flash does not fill up; the
 * host's disk may, and then the update fails here like a failed flash
 * write, with the old image in place, instead of during the boot copy.
 */
static enum efa_err
reserve_for_commit(struct sim_device *dev)
{
	/* a gzip image inflates: up to the most the device takes */
	uint32_t most = efa_flashwriter_free_space(&dev->fw, dev->fw.cmd);
	uint32_t len = ((dev->fw.staged > most ? dev->fw.staged : most) +
	    4095u) & ~4095u;
	uint32_t dst = dev->fw.cmd == EFA_CMD_FS ? dev->layout.fs_start : 0;
	char path[PATH_MAX];

	if (flashsim_file_reserve(&dev->ffile, dst, len) == 0 &&
	    flashsim_file_reserve(&dev->ffile, dev->layout.bootrec_addr,
	    4096) == 0 &&
	    flashsim_file_reserve(&dev->ffile, dev->layout.info_addr,
	    4096) == 0 &&
	    (dev->fw.cmd == EFA_CMD_FS ||
	    (dev_path(dev, "running.bin", path, sizeof(path)) == 0 &&
	    sim_reserve_file_atomic(path, len) == 0)))
		return EFA_E_OK;
	fprintf(stderr, "espfleet-sim: %s: no disk space for the update (%s): "
	    "it fails as a flash write would\n", dev->name, strerror(errno));
	return EFA_E_WRITE;
}

static enum efa_err
sink_finish(void *ctx, const uint8_t md5[16])
{
	struct sim_device *dev = ctx;
	enum efa_err err = dev->fw.active ? reserve_for_commit(dev) :
	    EFA_E_OK;

	if (err == EFA_E_OK)
		err = efa_flashwriter_stage_sink.finish(&dev->fw, md5);
	note_flash_error(dev, err);
	return err;
}

static void
sink_abort(void *ctx)
{
	struct sim_device *dev = ctx;

	efa_flashwriter_stage_sink.abort(&dev->fw);
}

static enum efa_err
sink_confirm(void *ctx)
{
	struct sim_device *dev = ctx;
	enum efa_err err = efa_flashwriter_stage_sink.confirm(&dev->fw);

	note_flash_error(dev, err);
	return err;
}

static enum efa_err
sink_reject(void *ctx)
{
	struct sim_device *dev = ctx;
	enum efa_err err = efa_flashwriter_stage_sink.reject(&dev->fw);

	note_flash_error(dev, err);
	return err;
}

static const struct efa_sink_ops sim_sink = {
	sink_free_space, sink_begin, sink_write, sink_finish, sink_abort,
	sink_confirm, sink_reject
};

/* ---- hooks ---- */

static int
hook_start(void *ctx, int cmd, uint32_t size)
{
	struct sim_device *dev = ctx;

	sim_device_log(dev, "update starts: %s image of %u bytes",
	    cmd == EFA_CMD_FS ? "filesystem" : "application", size);
	dev->upload_size = size;   /* the timing model writes its end */
	return 0;
}

static void
hook_end(void *ctx, int cmd)
{
	struct sim_device *dev = ctx;

	(void)cmd;
	sim_device_log(dev, "image committed, rebooting");
}

static void
hook_error(void *ctx, enum efa_err err)
{
	struct sim_device *dev = ctx;
	char size[16] = "";

	if (err == EFA_E_POWERLOSS)
		dev->power_lost = 1;
	/* the chip appends the real flash size to its flash-size error */
	if (err == EFA_E_NEW_FLASH_CONFIG)
		snprintf(size, sizeof(size), "%u", dev->fleet->opt->flash_size);
	snprintf(dev->last_error, sizeof(dev->last_error), "%s: %s%s",
	    efa_err_name(err), efa_err_text(dev->fleet->opt->chip, err), size);
	sim_device_log(dev, "error %s", dev->last_error);
	if (!dev->power_lost)
		sim_device_report(dev);
}

/* ---- network ops for the agent ---- */

static void
to_sockaddr(const struct efa_addr *a, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, a->ip, 4);
	sin->sin_port = htons(a->port);
}

static void
udp_send_done(uv_udp_send_t *req, int status)
{
	(void)status;
	free(req);
}

static void
net_udp_send(void *ctx, const struct efa_addr *to, const uint8_t *buf,
    size_t len)
{
	struct sim_device *dev = ctx;
	struct sockaddr_in sin;
	uv_buf_t b = uv_buf_init((char *)(uintptr_t)buf, (unsigned)len);
	uv_udp_send_t *req;
	char *copy;

	if (!dev->online || dev->power_lost)
		return;
	to_sockaddr(to, &sin);
	if (uv_udp_try_send(&dev->udp, &b, 1,
	    (const struct sockaddr *)&sin) == (int)len)
		return;
	req = malloc(sizeof(*req) + len);
	if (req == NULL)
		return;
	copy = (char *)(req + 1);
	memcpy(copy, buf, len);
	b = uv_buf_init(copy, (unsigned)len);
	if (uv_udp_send(req, &dev->udp, &b, 1, (const struct sockaddr *)&sin,
	    udp_send_done) != 0)
		free(req);
}

static void
conn_close_cb(uv_handle_t *h)
{
	struct sim_conn *c = h->data;

	free(c->buf);
	free(c);
}

static void
conn_close(struct sim_conn *c, int reset)
{
	struct sim_device *dev = c->dev;

	if (c->closing)
		return;
	c->closing = 1;
	if (dev != NULL && dev->conn == c)
		dev->conn = NULL;
	c->dev = NULL;
	if (reset && c->connected)
		uv_tcp_close_reset(&c->tcp, conn_close_cb);
	else
		uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

static void
shutdown_cb(uv_shutdown_t *req, int status)
{
	struct sim_conn *c = req->data;

	(void)status;
	conn_close(c, 0);
}

/* Close once nothing is left to send (queued writes, held-back acks). */
static void
maybe_finish_close(struct sim_device *dev)
{
	struct sim_conn *c = dev->conn;

	if (c == NULL || !c->close_requested || dev->ack_count > 0)
		return;
	dev->conn = NULL;
	c->dev = NULL;
	if (!c->connected) {
		conn_close(c, 0);
		return;
	}
	uv_read_stop((uv_stream_t *)&c->tcp);
	if (c->transfer_cut && c->writes_pending == 0) {
		/* as a device's stop() does: closed at once, so the host's
		 * next bytes meet a reset; a half-close would take them while
		 * the host sees only the FIN (stock espota.py then waits for
		 * a result for ever) */
		conn_close(c, 0);
		return;
	}
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp,
	    shutdown_cb) != 0)
		conn_close(c, 0);
}

static void
write_done(uv_write_t *req, int status)
{
	struct sim_write *w = (struct sim_write *)req;
	struct sim_conn *c = w->conn;
	struct sim_device *dev = c->dev;

	c->writes_pending--;
	free(w);
	if (status < 0 && status != UV_ECANCELED && dev != NULL &&
	    dev->conn == c) {
		/* the host reset the connection (EPIPE, ECONNRESET): this
		 * upload failed, as if the host had closed it */
		sim_device_log(dev, "connection broken: %s",
		    uv_strerror(status));
		conn_close(c, 0);
		efa_agent_tcp_closed(&dev->agent, sim_device_now(dev));
		sim_device_after_agent(dev);
	}
}

static void
conn_write(struct sim_conn *c, const char *buf, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)(uintptr_t)buf, (unsigned)len);
	struct sim_write *w;
	int n = 0;

	if (c->writes_pending == 0) {
		n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
		if (n == (int)len)
			return;
		if (n < 0)
			n = 0;
	}
	w = malloc(sizeof(*w) + len - (size_t)n);
	if (w == NULL)
		return;
	memcpy(w->data, buf + n, len - (size_t)n);
	w->conn = c;
	b = uv_buf_init(w->data, (unsigned)(len - (size_t)n));
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, write_done) != 0)
		free(w);
	else
		c->writes_pending++;
}

#define NS_PER_MS 1000000ull
/* Timers tick in whole milliseconds: an event due within half of one is
 * due now (the model keeps exact time; only the driver rounds). */
#define TIMER_SLACK_NS (NS_PER_MS / 2)
/* A device whose simulator thread was busy is taken to have kept running
 * for up to this long (its flash keeps writing while the thread serves
 * other devices, a fleet's reboots say); beyond it, to have stalled. */
#define CATCH_UP_NS (250 * NS_PER_MS)
/* Bytes taken from the socket ahead of the model (beyond twice the
 * window), so that they are seen when they land; reading resumes when
 * READ_MIN is free (fewer, larger reads: less CPU per device). */
#define READ_AHEAD 16384u
#define READ_MIN 8192u

/* Milliseconds from now to t, rounded to the nearest. */
static uint64_t
timer_ms(uint64_t t, uint64_t now)
{
	return t <= now ? 0 : (t - now + NS_PER_MS / 2) / NS_PER_MS;
}

static void
ack_timer_cb(uv_timer_t *t)
{
	struct sim_device *dev = t->data;
	uint64_t now = uv_hrtime();

	while (dev->ack_count > 0) {
		uint32_t i = dev->ack_head;

		if (dev->acks[i].due_ns > now + TIMER_SLACK_NS) {
			uv_timer_start(&dev->ack_timer, ack_timer_cb,
			    timer_ms(dev->acks[i].due_ns, now), 0);
			return;
		}
		if (dev->conn != NULL && dev->conn->connected)
			conn_write(dev->conn, dev->acks[i].text,
			    dev->acks[i].len);
		dev->ack_head = (dev->ack_head + 1) % SIM_ACK_QUEUE;
		dev->ack_count--;
	}
	maybe_finish_close(dev);
}

/* Bytes the host has sent beyond what the device took in: unread in the
 * socket, or taken but not yet read by the modelled device. */
static int64_t
socket_backlog(struct sim_conn *c)
{
	uv_os_fd_t fd;
	int n = 0;

	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0 ||
	    ioctl(fd, FIONREAD, &n) != 0)
		n = 0;
	return (int64_t)n + (c->modelled ? c->len : 0);
}

/* What the device sends reaches the host half a round trip later; a count
 * leaves when the model's iteration ended (dev->count_at_ns, set while the
 * agent takes that iteration's bytes). In order, always. */
static void
net_tcp_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct sim_device *dev = ctx;
	const struct sim_options *o = dev->fleet->opt;
	uint64_t now = uv_hrtime(), due;
	size_t off = 0;

	if (dev->conn == NULL || !dev->conn->connected || dev->power_lost)
		return;
	if (dev->queued_at_first_ack < 0 && len > 0 && buf[0] >= '0' &&
	    buf[0] <= '9') {
		/* the device's first count: how much had the host already
		 * sent beyond what the device took in? (stop-and-wait
		 * uploaders: nothing) */
		dev->queued_at_first_ack = socket_backlog(dev->conn);
		sim_device_log(dev, "first count %.*s sent; %lld more bytes "
		    "already waiting", (int)len, (const char *)buf,
		    (long long)dev->queued_at_first_ack);
	}
	if (len > 0 && buf[0] >= '0' && buf[0] <= '9')
		dev->acks_sent++;
	due = dev->count_at_ns != 0 ? dev->count_at_ns :
	    now + (uint64_t)o->rtt_ms * NS_PER_MS / 2;
	if (dev->ack_count > 0) {
		uint32_t last = (dev->ack_head + dev->ack_count - 1) %
		    SIM_ACK_QUEUE;

		if (due < dev->acks[last].due_ns)
			due = dev->acks[last].due_ns;
	} else if (due <= now + TIMER_SLACK_NS) {
		conn_write(dev->conn, (const char *)buf, len);
		return;
	}
	while (off < len) {
		uint32_t i;
		size_t n = len - off;

		if (dev->ack_count == SIM_ACK_QUEUE) {
			/* queue full: the oldest goes out early */
			i = dev->ack_head;
			conn_write(dev->conn, dev->acks[i].text,
			    dev->acks[i].len);
			dev->ack_head = (dev->ack_head + 1) % SIM_ACK_QUEUE;
			dev->ack_count--;
		}
		i = (dev->ack_head + dev->ack_count) % SIM_ACK_QUEUE;
		if (n > sizeof(dev->acks[i].text))
			n = sizeof(dev->acks[i].text);
		memcpy(dev->acks[i].text, buf + off, n);
		dev->acks[i].len = (uint8_t)n;
		dev->acks[i].due_ns = due;
		dev->ack_count++;
		off += n;
	}
	if (!uv_is_active((uv_handle_t *)&dev->ack_timer))
		uv_timer_start(&dev->ack_timer, ack_timer_cb,
		    timer_ms(due, now), 0);
}

static void
net_tcp_close(void *ctx)
{
	struct sim_device *dev = ctx;

	if (dev->conn == NULL)
		return;
	if (dev->power_lost) {
		conn_close(dev->conn, 1); /* no goodbye from a dead device */
		return;
	}
	dev->conn->close_requested = 1;
	/* the agent closes while receiving only to refuse the rest */
	dev->conn->transfer_cut =
	    efa_agent_state(&dev->agent) == EFA_RECEIVING;
	maybe_finish_close(dev);
}

/* Bytes taken from the socket so far on this connection. */
static uint32_t
bytes_taken(const struct sim_conn *c)
{
	return c->modelled ? c->timing.taken : c->dev->bytes_in;
}

/* Room for the next read: the free part of the model's ring after its
 * bytes (once READ_MIN is free) or the fleet's shared buffer, and no
 * further than a drop-at fault. */
static uint32_t
read_room(struct sim_conn *c, uint8_t **dst)
{
	struct sim_device *dev = c->dev;
	uint32_t room, tail;

	if (c->modelled) {
		tail = (c->head + c->len) % c->cap;
		room = tail >= c->head ? c->cap - tail : c->head - tail;
		if (c->cap - c->len < READ_MIN)
			room = 0;
		*dst = c->buf + tail;
	} else {
		room = dev->fleet->read_buf_len;
		*dst = dev->fleet->read_buf;
	}
	if (dev->drop_at > 0 && !dev->drop_done &&
	    room > dev->drop_at - bytes_taken(c))
		room = dev->drop_at - bytes_taken(c);
	return room;
}

static void
read_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct sim_conn *c = h->data;
	uint8_t *dst;
	uint32_t room;

	(void)suggested;
	if (c->dev == NULL) {
		*buf = uv_buf_init(NULL, 0);
		return;
	}
	room = read_room(c, &dst);
	*buf = uv_buf_init((char *)dst, room);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

/* Read from the socket while there is room. */
static void
update_reading(struct sim_conn *c)
{
	uint8_t *dst;
	int want;

	if (c->dev == NULL || c->closing || !c->connected ||
	    c->close_requested)
		return;
	want = read_room(c, &dst) > 0;
	if (want && !c->reading) {
		if (uv_read_start((uv_stream_t *)&c->tcp, read_alloc,
		    read_cb) == 0)
			c->reading = 1;
	} else if (!want && c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = 0;
	}
}

/* The agent takes n bytes the device has read; 1 while the connection
 * goes on. */
static int
deliver(struct sim_device *dev, struct sim_conn *c, const uint8_t *data,
    uint32_t n)
{
	uint64_t now = uv_hrtime();

	if (dev->bytes_in == 0)
		dev->first_read = n;
	if (dev->first_byte_ns == 0)
		dev->first_byte_ns = now;
	if (dev->first_byte_at == 0)
		dev->first_byte_at = wall_now();
	dev->bytes_in += n;
	if (dev->bytes_in == dev->upload_size)
		/* the whole image: when its last count reaches the host */
		dev->transfer_s = (double)((dev->count_at_ns > now ?
		    dev->count_at_ns : now) - dev->first_byte_ns) / 1e9;
	efa_agent_tcp_input(&dev->agent, data, n, sim_device_now(dev));
	if (dev->power_lost) {
		sim_device_after_agent(dev);
		return 0;
	}
	if (dev->drop_at > 0 && !dev->drop_done &&
	    dev->bytes_in >= dev->drop_at && dev->conn == c) {
		/* fault: the connection drops here, once */
		dev->drop_done = 1;
		sim_device_log(dev, "fault drop-at: dropping the connection "
		    "after %u bytes", dev->bytes_in);
		conn_close(c, 1);
		efa_agent_tcp_closed(&dev->agent, sim_device_now(dev));
		sim_device_after_agent(dev);
		return 0;
	}
	sim_device_after_agent(dev);
	return dev->conn == c && !c->close_requested;
}

static void io_timer_cb(uv_timer_t *t);

/* The next n held bytes in one piece: in place, or where they wrap around
 * the ring copied into the fleet's read buffer (an iteration is at most a
 * window; a window larger than that buffer comes in two pieces). The bytes
 * stay put until the loop reads again. */
static const uint8_t *
ring_take(struct sim_conn *c, uint32_t *n)
{
	struct sim_fleet *f = c->dev->fleet;
	uint32_t first = c->cap - c->head;
	const uint8_t *p = c->buf + c->head;

	if (*n > first) {
		if (*n <= f->read_buf_len) {
			memcpy(f->read_buf, p, first);
			memcpy(f->read_buf + first, c->buf, *n - first);
			p = f->read_buf;
		} else
			*n = first;
	}
	c->head = (c->head + *n) % c->cap;
	c->len -= *n;
	if (c->len == 0)
		c->head = 0;
	return p;
}

/* Hand the agent every iteration of the device's loop that has ended, and
 * wake up for the next one. */
static void
run_model(struct sim_device *dev, struct sim_conn *c)
{
	uint64_t now, count_at = 0, wake = SIM_TIMING_NEVER;
	uint32_t n, k;
	const uint8_t *data;
	int on;

	for (;;) {
		if (dev->conn != c || c->close_requested)
			return;
		now = uv_hrtime();
		n = sim_timing_poll(&c->timing, now + TIMER_SLACK_NS,
		    &count_at, &wake);
		if (n == 0)
			break;
		dev->count_at_ns = count_at;
		for (on = 1; on && n > 0; n -= k) {
			k = n;
			data = ring_take(c, &k);
			on = deliver(dev, c, data, k);
		}
		dev->count_at_ns = 0;
		if (!on)
			return;
	}
	if (wake == SIM_TIMING_NEVER)
		uv_timer_stop(&dev->io_timer);
	else if (wake != c->wake || !uv_is_active((uv_handle_t *)
	    &dev->io_timer))
		uv_timer_start(&dev->io_timer, io_timer_cb,
		    timer_ms(wake, now), 0);
	c->wake = wake;
	update_reading(c);
}

static void
io_timer_cb(uv_timer_t *t)
{
	struct sim_device *dev = t->data;

	if (dev->conn != NULL && dev->conn->modelled)
		run_model(dev, dev->conn);
}

static void
read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct sim_conn *c = s->data;
	struct sim_device *dev = c->dev;

	if (dev == NULL || nread == 0)
		return;
	if (nread < 0) {
		/* the host closed or the connection broke */
		conn_close(c, 0);
		efa_agent_tcp_closed(&dev->agent, sim_device_now(dev));
		sim_device_after_agent(dev);
		return;
	}
	if (!c->modelled) {
		if (deliver(dev, c, (const uint8_t *)buf->base,
		    (uint32_t)nread))
			update_reading(c);
		return;
	}
	if (dev->first_byte_ns == 0)
		dev->first_byte_ns = uv_hrtime();
	if (dev->first_byte_at == 0)
		dev->first_byte_at = wall_now();
	sim_timing_taken(&c->timing, (uint32_t)nread, uv_hrtime());
	c->len += (uint32_t)nread;
	run_model(dev, c);
}

static void
connect_cb(uv_connect_t *req, int status)
{
	struct sim_conn *c = req->data;
	struct sim_device *dev = c->dev;
	const struct sim_options *o;

	if (dev == NULL) {
		/* the device dropped the connection while connecting */
		return;
	}
	if (status != 0) {
		sim_device_log(dev, "connect-back failed: %s",
		    uv_strerror(status));
		conn_close(c, 0);
		efa_agent_tcp_connected(&dev->agent, -1, sim_device_now(dev));
		sim_device_after_agent(dev);
		return;
	}
	c->connected = 1;
	uv_tcp_nodelay(&c->tcp, 1);
	dev->bytes_in = 0;
	dev->first_read = 0;
	dev->queued_at_first_ack = -1;
	dev->acks_sent = 0;
	dev->first_byte_ns = 0;
	dev->transfer_s = -1;
	if (c->modelled) {
		struct sim_timing_cfg cfg;

		o = dev->fleet->opt;
		memset(&cfg, 0, sizeof(cfg));
		cfg.rate = o->rate;
		cfg.rtt_ns = (uint64_t)o->rtt_ms * NS_PER_MS;
		cfg.window = o->window;
		cfg.sector = dev->flash.ops.sector_size;
		cfg.catch_up_ns = CATCH_UP_NS;
		sim_timing_start(&c->timing, &cfg, dev->upload_size,
		    uv_hrtime());
	}
	efa_agent_tcp_connected(&dev->agent, 0, sim_device_now(dev));
	sim_device_after_agent(dev);
	if (dev->conn == c)
		update_reading(c);
}

static int
net_tcp_connect(void *ctx, const struct efa_addr *to)
{
	struct sim_device *dev = ctx;
	const struct sim_options *o = dev->fleet->opt;
	struct sockaddr_in sin, local;
	struct sim_conn *c;

	if (dev->conn != NULL)
		conn_close(dev->conn, 1);
	if (dev->no_connect) {
		/* fault: the connect-back never reaches the host (think of a
		 * host firewall); the agent's connect timeout ends it */
		sim_device_log(dev, "fault no-connect: not connecting back");
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -1;
	c->dev = dev;
	c->modelled = o->rate > 0 || o->rtt_ms > 0;
	if (c->modelled) {
		c->cap = 2 * o->window + READ_AHEAD;
		if ((c->buf = malloc(c->cap)) == NULL) {
			free(c);
			return -1;
		}
	}
	if (uv_tcp_init(dev->fleet->loop, &c->tcp) != 0) {
		free(c->buf);
		free(c);
		return -1;
	}
	c->tcp.data = c;
	c->connect_req.data = c;
	dev->conn = c;
	dev->ack_head = dev->ack_count = 0;
	/* connect from the device's own address, as a real device would */
	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_addr.s_addr = htonl(dev->addr);
	to_sockaddr(to, &sin);
	if (uv_tcp_bind(&c->tcp, (const struct sockaddr *)&local, 0) != 0 ||
	    uv_tcp_connect(&c->connect_req, &c->tcp,
	    (const struct sockaddr *)&sin, connect_cb) != 0) {
		conn_close(c, 0);
		return -1;
	}
	return 0;
}

static int
net_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

/* Booting per turn of the loop, at most (see boot_later). */
#define BOOT_BUDGET_NS (2 * NS_PER_MS)

/*
 * A boot copies and hashes the whole image: bulk work that real devices do
 * on their own CPUs. A fleet's worth of it at once would hold up the
 * transfers and answers of the other devices on this thread, so a turn of
 * the loop boots for BOOT_BUDGET_NS at most and the rest of the devices
 * wait for the next turn (they stay offline a little longer, as real ones
 * sometimes do). 1 if this device waits.
 */
static int
boot_later(struct sim_device *dev)
{
	struct sim_fleet *f = dev->fleet;
	uint64_t turn = uv_now(f->loop);

	if (turn != f->boot_turn) {
		f->boot_turn = turn;
		f->boot_turn_ns = uv_hrtime();
		return 0;
	}
	return uv_hrtime() - f->boot_turn_ns > BOOT_BUDGET_NS;
}

static void
boot_timer_cb(uv_timer_t *t)
{
	struct sim_device *dev = t->data;

	if (dev->gone) {
		/* fault: the device never comes back from this reboot */
		sim_device_log(dev, "fault gone: staying offline");
		return;
	}
	if (boot_later(dev)) {
		uv_timer_start(&dev->boot_timer, boot_timer_cb, 1, 0);
		return;
	}
	boot(dev);
}

/* The device goes away for a reboot: sockets quiet, mDNS withdrawn. */
static void
go_offline(struct sim_device *dev)
{
	if (dev->conn != NULL)
		conn_close(dev->conn, 1);
	sim_http_offline(dev);
	sim_pull_offline(dev);
	sim_app_stop(dev);
	dev->ack_count = 0;
	uv_timer_stop(&dev->agent_timer);
	uv_timer_stop(&dev->io_timer);
	uv_timer_stop(&dev->ack_timer);
	if (dev->online) {
		dev->online = 0;
		if (dev->fleet->on_offline != NULL)
			dev->fleet->on_offline(dev->fleet, dev);
	}
	uv_timer_start(&dev->boot_timer, boot_timer_cb,
	    dev->fleet->opt->reboot_ms, 0);
}

static void
net_reboot(void *ctx)
{
	sim_device_restart(ctx);
}

void
sim_device_restart(struct sim_device *dev)
{
	sim_device_log(dev, "rebooting");
	go_offline(dev);
	sim_device_report(dev);
}

void
sim_device_changed(struct sim_device *dev)
{
	sim_device_report(dev);
	if (dev->online && dev->fleet->on_online != NULL)
		dev->fleet->on_online(dev->fleet, dev);
}

static void
power_cycle(struct sim_device *dev)
{
	sim_device_log(dev, "power lost at flash operation %u",
	    dev->flash.op_count);
	efa_agent_reset(&dev->agent);
	snprintf(dev->last_error, sizeof(dev->last_error),
	    "POWERLOSS: power lost during the update");
	go_offline(dev);
}

static const struct efa_net_ops sim_net = {
	net_udp_send, net_tcp_connect, net_tcp_send, net_tcp_close,
	net_random, net_reboot
};

/* ---- boot ---- */

static int
publish_running_image(struct sim_device *dev)
{
	char path[PATH_MAX];
	uint8_t *img;
	uint32_t off, n;
	int rc;

	img = malloc(dev->running.size ? dev->running.size : 1);
	if (img == NULL)
		return -1;
	for (off = 0; off < dev->running.size; off += n) {
		n = dev->running.size - off;
		if (n > 65536)
			n = 65536;
		if (dev->flash.ops.read(&dev->flash, off, img + off, n) !=
		    EFA_E_OK) {
			free(img);
			return -1;
		}
	}
	/* the boot swap verified these bytes against the record's MD5 */
	efa_hex(dev->running_md5, dev->running.md5, 16);
	if (dev->fleet->opt->pull_url != NULL) {
		/* only pulling ESP32s send it (a whole fleet's reboots would
		 * otherwise spend a quarter of the simulator's time here) */
		uint8_t sha[EFA_SHA256_LEN];
		size_t i;

		efa_sha256(img, dev->running.size, sha);
		efa_hex(dev->running_sha256, sha, sizeof(sha));
		for (i = 0; dev->running_sha256[i] != '\0'; i++)
			if (dev->running_sha256[i] >= 'a')
				dev->running_sha256[i] -= 'a' - 'A';
	}
	efa_image_version(img, dev->running.size, dev->version,
	    sizeof(dev->version));
	rc = dev_path(dev, "running.bin", path, sizeof(path));
	if (rc == 0 && (rc = sim_write_file_atomic(path, img,
	    dev->running.size)) != 0)
		unlink(path);   /* never an image the device does not run */
	free(img);
	return rc;
}

static int
provision_factory(struct sim_device *dev)
{
	const struct sim_options *o = dev->fleet->opt;
	uint8_t *img = malloc(o->factory_size);
	enum efa_err err;

	if (img == NULL)
		return -1;
	sim_factory_image(img, o->factory_size, dev->name, o->chip,
	    o->flash_size);
	err = efa_flash_provision(&dev->flash.ops, &dev->flash, &dev->layout,
	    img, o->factory_size, dev->fleet->io_buf, dev->fleet->io_buf_len);
	free(img);
	return err == EFA_E_OK ? 0 : -1;
}

/* The device powers up: boot loader, then the agent. */
static void
boot(struct sim_device *dev)
{
	struct efa_hooks hooks = { hook_start, NULL, hook_end, hook_error, dev };
	enum efa_boot_result res;
	enum efa_err err = EFA_E_OK;
	uint8_t old_md5[16];

	/* only after a power loss: flashsim_power_on() also cancels a
	 * pending one, and a powerloss-at fault armed at an earlier boot may
	 * be meant for this boot's copy */
	if (!dev->flash.powered)
		flashsim_power_on(&dev->flash);
	dev->power_lost = 0;
	memcpy(old_md5, dev->running.md5, 16);
	if (dev->boot_old &&
	    efa_boot_discard(&dev->flash.ops, &dev->flash, &dev->layout) ==
	    EFA_E_OK && dev->boot_count > 0)
		sim_device_log(dev, "fault boot-old: booting the previous "
		    "image");
	res = efa_boot_run(&dev->flash.ops, &dev->flash, &dev->layout,
	    dev->fleet->io_buf, dev->fleet->io_buf_len, &dev->running, &err);
	if (err == EFA_E_POWERLOSS) {
		/* power failed again while the boot loader copied */
		dev->power_lost = 1;
		power_cycle(dev);
		return;
	}
	if (res == EFA_BOOT_FAILED)
		snprintf(dev->last_error, sizeof(dev->last_error),
		    "BOOT: boot swap failed: %s", efa_err_name(err));
	dev->rejected_md5[0] = '\0';
	if (dev->running.state == EFA_IMAGE_ROLLED_BACK)
		efa_hex(dev->rejected_md5, dev->running.other_md5, 16);
	efa_flashwriter_init(&dev->fw, &dev->flash.ops, &dev->flash,
	    &dev->layout, dev->fleet->io_buf, dev->fleet->io_buf_len);
	sim_stage_attach(dev);
	dev->boot_count++;
	dev->boot_at = wall_now();
	if (dev->boot_count == 1 || memcmp(old_md5, dev->running.md5, 16) != 0)
		if (publish_running_image(dev) != 0)
			fprintf(stderr, "espfleet-sim: %s: cannot write "
			    "running.bin: %s\n", dev->name, strerror(errno));
	if (res == EFA_BOOT_UPDATED)
		sim_device_log(dev, "booted the new image %s",
		    dev->running_md5);
	if (res == EFA_BOOT_ROLLED_BACK)
		sim_device_log(dev, "rolled back to %s (gave up %s)",
		    dev->running_md5, dev->rejected_md5);
	if (dev->running.state == EFA_IMAGE_TRIAL)
		sim_device_log(dev, "on trial, start %u of %u",
		    dev->running.boots, EFA_TRIAL_BOOTS);
	efa_agent_init(&dev->agent, &dev->fleet->agent_cfg, &sim_net, dev,
	    &sim_sink, dev, &hooks);
	efa_agent_set_image_state(&dev->agent,
	    (enum efa_image_state)dev->running.state, sim_device_now(dev));
	if (dev->powerloss_at > 0 && !dev->powerloss_armed) {
		dev->powerloss_armed = 1;
		flashsim_fail_after(&dev->flash, dev->powerloss_at);
	}
	dev->online = 1;
	{
		char why[256];

		if (sim_http_online(dev, why, sizeof(why)) != 0)
			fprintf(stderr, "espfleet-sim: %s: %s\n", dev->name,
			    why);
	}
	sim_pull_online(dev);
	sim_device_report(dev);
	if (dev->fleet->on_online != NULL)
		dev->fleet->on_online(dev->fleet, dev);
	sim_app_boot(dev);
	sim_device_after_agent(dev);   /* the trial's deadline */
}

/* ---- UDP ---- */

static void
udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct sim_device *dev = h->data;

	(void)suggested;
	*buf = uv_buf_init(dev->fleet->dgram_buf,
	    sizeof(dev->fleet->dgram_buf));
}

static void
udp_recv(uv_udp_t *u, ssize_t nread, const uv_buf_t *buf,
    const struct sockaddr *from, unsigned flags)
{
	struct sim_device *dev = u->data;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)from;
	struct efa_addr src;

	if (nread <= 0 || from == NULL || from->sa_family != AF_INET ||
	    (flags & UV_UDP_PARTIAL))
		return;
	if (!dev->online || dev->silent)
		return;
	memset(&src, 0, sizeof(src));
	src.family = 4;
	memcpy(src.ip, &sin->sin_addr, 4);
	src.port = ntohs(sin->sin_port);
	efa_agent_udp_input(&dev->agent, &src, (const uint8_t *)buf->base,
	    (size_t)nread, sim_device_now(dev));
	sim_device_after_agent(dev);
}

/* ---- life cycle ---- */

/* A stable STA MAC: Espressif's vendor prefix for the chip and the low
 * three bytes of the device's IPv4 address (so unique on one host). */
static void
sim_device_mac(struct sim_device *dev)
{
	static const uint8_t oui8266[3] = { 0x5C, 0xCF, 0x7F };
	static const uint8_t oui32[3] = { 0x24, 0x0A, 0xC4 };

	memcpy(dev->mac, dev->fleet->opt->chip == EFA_CHIP_ESP32 ? oui32 :
	    oui8266, 3);
	dev->mac[3] = (uint8_t)(dev->addr >> 16);
	dev->mac[4] = (uint8_t)(dev->addr >> 8);
	dev->mac[5] = (uint8_t)dev->addr;
	snprintf(dev->mac_text, sizeof(dev->mac_text),
	    "%02X:%02X:%02X:%02X:%02X:%02X", dev->mac[0], dev->mac[1],
	    dev->mac[2], dev->mac[3], dev->mac[4], dev->mac[5]);
}

static void
apply_faults(struct sim_device *dev)
{
	const struct sim_options *o = dev->fleet->opt;
	uint32_t i;

	for (i = 0; i < o->nfaults; i++) {
		const struct sim_fault *f = &o->faults[i];

		if (!sim_fault_applies(f, dev->index))
			continue;
		switch (f->kind) {
		case SIM_FAULT_SILENT:
			dev->silent = 1;
			break;
		case SIM_FAULT_NO_SPACE:
			dev->no_space = 1;
			break;
		case SIM_FAULT_DROP_AT:
			dev->drop_at = f->arg;
			break;
		case SIM_FAULT_BOOT_OLD:
			dev->boot_old = 1;
			break;
		case SIM_FAULT_POWERLOSS_AT:
			dev->powerloss_at = f->arg;
			break;
		case SIM_FAULT_NO_CONNECT:
			dev->no_connect = 1;
			break;
		case SIM_FAULT_GONE:
			dev->gone = 1;
			break;
		case SIM_FAULT_CRASH_LOOP:
			dev->crash_loop = 1;
			break;
		case SIM_FAULT_UNHEALTHY:
			dev->unhealthy = 1;
			break;
		case SIM_FAULT_CRASH_AFTER:
			dev->crash_after = f->arg;
			break;
		}
	}
}

int
sim_device_start(struct sim_device *dev, struct sim_fleet *fleet, uint32_t k,
    char *err, size_t errlen)
{
	const struct sim_options *o = fleet->opt;
	struct flashsim_store store;
	struct sockaddr_in sin;
	struct in_addr in;
	char path[PATH_MAX];
	int rc;

	memset(dev, 0, sizeof(*dev));
	dev->queued_at_first_ack = -1;
	dev->transfer_s = -1;
	dev->fleet = fleet;
	dev->index = k;
	dev->addr = o->addr_base + (k - 1);
	snprintf(dev->name, sizeof(dev->name), "%s%04u", o->name_prefix, k);
	sim_device_mac(dev);
	in.s_addr = htonl(dev->addr);
	inet_ntop(AF_INET, &in, dev->addr_text, sizeof(dev->addr_text));
	if (snprintf(dev->dir, sizeof(dev->dir), "%s/%s", fleet->state_dir,
	    dev->name) >= (int)sizeof(dev->dir)) {
		snprintf(err, errlen, "%s: state path too long", dev->name);
		return -1;
	}
	if (mkdir(dev->dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", dev->dir,
		    strerror(errno));
		return -1;
	}
	apply_faults(dev);

	if (dev_path(dev, "flash.bin", path, sizeof(path)) != 0) {
		snprintf(err, errlen, "%s: state path too long", dev->name);
		return -1;
	}
	if (flashsim_file_open(&dev->ffile, path, o->flash_size, &store, err,
	    errlen) != 0)
		return -1;
	flashsim_init(&dev->flash, &store, o->flash_size, 4096, 4);
	dev->layout.info_addr = o->flash_size - 4096;
	dev->layout.bootrec_addr = o->flash_size - 2 * 4096;
	dev->layout.fs_size = o->fs_size;
	dev->layout.fs_start = dev->layout.bootrec_addr - o->fs_size;

	/* a new flash (or one without a valid image) gets the factory image;
	 * only read here: the boot (boot()) is the device's first start */
	{
		efa_flashwriter_init(&dev->fw, &dev->flash.ops, &dev->flash,
		    &dev->layout, fleet->io_buf, fleet->io_buf_len);
		if (!dev->fw.running.valid && provision_factory(dev) != 0) {
			snprintf(err, errlen, "%s: cannot write the factory "
			    "image", dev->name);
			return -1;
		}
	}

	uv_udp_init(fleet->loop, &dev->udp);
	uv_timer_init(fleet->loop, &dev->agent_timer);
	uv_timer_init(fleet->loop, &dev->io_timer);
	uv_timer_init(fleet->loop, &dev->ack_timer);
	uv_timer_init(fleet->loop, &dev->boot_timer);
	uv_timer_init(fleet->loop, &dev->pull_timer);
	uv_timer_init(fleet->loop, &dev->app_timer);
	dev->udp.data = dev->agent_timer.data = dev->io_timer.data = dev;
	dev->ack_timer.data = dev->boot_timer.data = dev;
	dev->pull_timer.data = dev->app_timer.data = dev;
	dev->handles_open = 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(dev->addr);
	sin.sin_port = htons(o->port);
	rc = uv_udp_bind(&dev->udp, (const struct sockaddr *)&sin, 0);
	if (rc == 0)
		rc = uv_udp_recv_start(&dev->udp, udp_alloc, udp_recv);
	if (rc != 0) {
		snprintf(err, errlen, "cannot bind %s:%u for %s: %s",
		    dev->addr_text, o->port, dev->name, uv_strerror(rc));
		return -1;
	}
	/* the update page is up with the device (boot does this again
	 * after every reboot): a port in use fails the start */
	if (sim_http_online(dev, err, errlen) != 0)
		return -1;
	boot(dev);
	return 0;
}

void
sim_device_arm(struct sim_device *dev)
{
	const struct sim_options *o = dev->fleet->opt;

	efa_agent_arm(&dev->agent, o->update_window_s * 1000u,
	    sim_device_now(dev));
	sim_device_log(dev, "update window open for %u s", o->update_window_s);
}

static void
handle_closed(uv_handle_t *h)
{
	(void)h;
}

void
sim_device_stop(struct sim_device *dev)
{
	sim_stage_detach(dev);
	if (!dev->handles_open)
		return;
	dev->handles_open = 0;
	if (dev->conn != NULL)
		conn_close(dev->conn, 1);
	sim_http_offline(dev);
	sim_pull_offline(dev);
	uv_close((uv_handle_t *)&dev->pull_timer, handle_closed);
	uv_close((uv_handle_t *)&dev->udp, handle_closed);
	uv_close((uv_handle_t *)&dev->agent_timer, handle_closed);
	uv_close((uv_handle_t *)&dev->io_timer, handle_closed);
	uv_close((uv_handle_t *)&dev->ack_timer, handle_closed);
	uv_close((uv_handle_t *)&dev->boot_timer, handle_closed);
	uv_close((uv_handle_t *)&dev->app_timer, handle_closed);
	flashsim_file_close(&dev->ffile);
}
