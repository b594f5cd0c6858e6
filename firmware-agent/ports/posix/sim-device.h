/* SPDX-License-Identifier: MIT */
/*
 * One simulated device of espfleet-sim: the agent core on libuv sockets and
 * timers, a file-backed flash, the flash-speed and Wi-Fi round-trip model,
 * injected faults, and the reboot/power-cycle life of a device. Its HTTP
 * update paths (the /update page, pulls) live in sim-http.c/sim-pull.c.
 */
#ifndef ESPFLEET_SIM_DEVICE_H
#define ESPFLEET_SIM_DEVICE_H

#include <limits.h>
#include <stdint.h>
#include <uv.h>

#include "efa/efa_agent.h"
#include "efa/efa_flash.h"
#include "efa/efa_stage.h"
#include "flashsim-file.h"
#include "flashsim.h"
#include "sim-options.h"

struct sim_device;

/* State shared by the devices of one libuv loop (one thread): the whole
 * fleet, or one slice of it with --threads. */
struct sim_fleet {
	uv_loop_t *loop;
	const struct sim_options *opt;
	char state_dir[PATH_MAX];
	struct efa_agent_config agent_cfg;   /* with the password's pw_key */
	uint8_t *io_buf;           /* flash I/O buffer, shared (synchronous) */
	uint32_t io_buf_len;
	uint8_t *read_buf;         /* socket read buffer, shared */
	uint32_t read_buf_len;
	char dgram_buf[512];       /* UDP receive buffer, shared */
	uint32_t flash_ops_pending; /* unused by devices; reserved */
	/* Called when a device comes online (after boot) or goes offline
	 * (reboot, power loss); used by the mDNS publisher. May be NULL. */
	void (*on_online)(struct sim_fleet *fleet, struct sim_device *dev);
	void (*on_offline)(struct sim_fleet *fleet, struct sim_device *dev);
	uint64_t boot_turn;        /* loop time of the turn that last booted */
	uint64_t boot_turn_ns;     /* when that turn began booting */
	void *mdns;                /* the publisher, if --mdns */
	void *curl;                /* the pulls' libcurl adapter, if --pull */
	struct efl_sig_key *signing_key; /* --signing-key, or NULL */
	/* --verifier mbedtls: the key's PEM text (NUL included), which each
	 * device parses into its own verifier (mbedTLS contexts are not
	 * shared between threads) */
	uint8_t *signing_pem;
	size_t signing_pem_len;
};

struct sim_pull;
struct efl_sig_key;
struct efa_verify_mbedtls;

struct sim_conn;

#define SIM_ACK_QUEUE 64

struct sim_device {
	struct sim_fleet *fleet;
	uint32_t index;            /* 1-based */
	char name[64];
	char addr_text[16];
	uint32_t addr;             /* IPv4, host order */
	char dir[PATH_MAX];

	/* faults */
	uint8_t silent, no_space, boot_old, drop_done, powerloss_armed;
	uint8_t no_connect, gone, crash_loop, unhealthy;
	uint32_t crash_after;      /* fault crash-after: ms, 0 none */
	uint8_t crash_pending, crash_after_done;
	uint32_t drop_at, powerloss_at;

	/* flash and what runs from it */
	struct flashsim_file ffile;
	struct flashsim flash;
	struct efa_flash_layout layout;
	struct efa_flashwriter fw;
	struct efa_stage_ops stage_ops; /* sim-stage.c: gzip, signatures */
	struct efa_verify_mbedtls *mbed; /* --verifier mbedtls, or NULL */
	struct efa_running running;
	char running_md5[33];
	char rejected_md5[33];     /* rolled back: the image given up; "" */
	char version[48];
	uint32_t boot_count;
	char last_error[160];
	uint8_t power_lost;

	/* the agent */
	struct efa_agent agent;

	/* HTTP update paths (sim-http.c, sim-pull.c) */
	uint8_t mac[6];            /* STA MAC: vendor prefix + address */
	char mac_text[18];
	char running_sha256[65];   /* upper-case hex; kept with --pull */
	void *http;                /* the /update page server while online */
	void *http_upload;         /* the page request whose upload runs */
	struct sim_pull *pull;     /* the pull in flight, or NULL */
	uv_timer_t pull_timer;
	uint32_t pulls;            /* pulls answered */
	int last_pull_status;      /* HTTP status of the last one; 0 none */

	/* libuv */
	uv_udp_t udp;
	uv_timer_t agent_timer;    /* efa_agent_tick deadlines */
	uint64_t agent_timer_due;  /* loop time it fires; 0 = stopped */
	uv_timer_t io_timer;       /* the timing model's next event */
	uv_timer_t ack_timer;      /* delayed acks (round-trip model) */
	uv_timer_t boot_timer;     /* end of a reboot */
	uv_timer_t app_timer;      /* the application's trial (sim-app.c) */
	uint8_t online;
	uint8_t handles_open;
	struct sim_conn *conn;

	/* transfer model (sim-timing.h; its state is the connection's) */
	uint32_t upload_size;      /* of the update under way */
	uint64_t count_at_ns;      /* when the count being sent arrives */
	uint32_t bytes_in;         /* image bytes read on this connection */
	/* evidence of pipelining, reported in device.json "last_transfer" */
	uint32_t first_read;       /* size of the first read */
	int64_t queued_at_first_ack; /* bytes waiting in the socket when the
	                                first count left; -1 = no ack yet */
	uint32_t acks_sent;
	uint64_t first_byte_ns;    /* when the first image byte was taken */
	/* wall clock (Unix seconds) of the first image byte the device ever
	 * took and of its last boot, for device.json (0: none yet) */
	double first_byte_at, boot_at;
	double transfer_s;         /* to the last count; -1 = not complete */

	/* what the device sends, held back half a round trip */
	struct {
		uint64_t due_ns;
		uint8_t len;
		char text[14];
	} acks[SIM_ACK_QUEUE];
	uint32_t ack_head, ack_count;
};

/*
 * Create device k (1-based) of the fleet: state dir, flash (provisioned with
 * the factory image on first start), first boot, UDP socket bound to its
 * address and port. 0, or -1 with a message in err.
 */
int sim_device_start(struct sim_device *dev, struct sim_fleet *fleet,
    uint32_t k, char *err, size_t errlen);

/* Close every handle; the device is done once the loop has run. */
void sim_device_stop(struct sim_device *dev);

/* Press the update button: open the update window. */
void sim_device_arm(struct sim_device *dev);

/* ---- for the device's HTTP update paths ---- */

/* The device's clock for the agent (loop time, wrapping). */
uint32_t sim_device_now(const struct sim_device *dev);

/* After every call into the agent: re-arm its timer, play a power loss. */
void sim_device_after_agent(struct sim_device *dev);

/* Rewrite device.json. */
void sim_device_report(struct sim_device *dev);

/* What the device advertises changed (its image was confirmed): rewrite
 * device.json, publish the new mDNS record. */
void sim_device_changed(struct sim_device *dev);

/* The device restarts (its application crashed): offline, then a boot. */
void sim_device_restart(struct sim_device *dev);

/* With -v: "espfleet-sim: <name>: <message>" on stderr. */
void sim_device_log(const struct sim_device *dev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
