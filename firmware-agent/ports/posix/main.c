/* SPDX-License-Identifier: MIT */
/*
 * espfleet-sim: a fleet of simulated ESP devices running the espfleet agent
 * core on libuv: one loop for all of them, or with --threads one loop per
 * thread, each with its own slice of the fleet. Prints "ready <N> devices"
 * once every socket is bound; runs until SIGINT/SIGTERM; SIGUSR1 presses
 * the update button of every device (see --update-window).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "efa/efa_auth.h"
#include "sim-device.h"
#include "sim-http.h"
#include "sim-mdns.h"
#include "sim-options.h"
#include "sim-stage.h"

static struct sim_device *devices;
static uint32_t ndevices;
static struct sim_fleet fleet;   /* the whole fleet, or the template */
static uv_signal_t sig_int, sig_term, sig_usr1;
static int stopping;

/* --threads: one loop per thread, each over a slice of the devices. The
 * slices share nothing but the read-only options; the main thread only
 * relays signals (uv_async). */
struct worker {
	struct sim_fleet fleet;
	uv_loop_t loop;
	uv_async_t stop, arm;
	pthread_t tid;
	uint32_t first, count;   /* devices[first .. first+count) */
	int state;               /* 0 starting, 1 ready, -1 failed */
	char err[512];
};

static struct worker *workers;
static uint32_t nworkers;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cond = PTHREAD_COND_INITIALIZER;

static void
raise_fd_limit(uint32_t n, int http)
{
	struct rlimit rl;
	rlim_t per = http ? 6 : 3;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* each device: UDP socket + flash file + a data connection; with
	 * HTTP: its listening socket, epoll fd and a connection or two */
	if (rl.rlim_cur < (rlim_t)n * per + 64)
		fprintf(stderr, "espfleet-sim: warning: open-file limit %lu may "
		    "be too low for %u devices\n", (unsigned long)rl.rlim_cur,
		    n);
}

/* Read the first line of path as the password; derive the stored key. */
static int
load_password(const char *path, enum efa_auth_scheme scheme, char *pw_key,
    char *err, size_t errlen)
{
	char line[512];
	size_t n;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		snprintf(err, errlen, "cannot read password file '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "password file '%s' is empty", path);
		return -1;
	}
	efa_auth_pw_key(&efa_crypto_builtin, line, n,
	    scheme == EFA_AUTH_SHA256 ? 64 : 32, pw_key);
	memset(line, 0, sizeof(line));
	return 0;
}

static void
stop_all(void)
{
	uint32_t i;

	if (stopping)
		return;
	stopping = 1;
	if (fleet.mdns != NULL)
		sim_mdns_stop(&fleet);   /* goodbyes before the sockets go */
	for (i = 0; i < ndevices; i++)
		sim_device_stop(&devices[i]);
	sim_pull_fleet_stop(&fleet);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_usr1, NULL);
}

static void
on_signal(uv_signal_t *s, int signum)
{
	uint32_t i;

	(void)s;
	if (signum == SIGUSR1) {
		for (i = 0; i < ndevices; i++)
			sim_device_arm(&devices[i]);
		return;
	}
	stop_all();
}

static void
mdns_deadline(uv_timer_t *t)
{
	*(int *)t->data = 1;
}

/* With --mdns, "ready" means every device's entry group is committed. */
static int
wait_mdns(struct sim_fleet *f)
{
	static uv_timer_t timer;   /* closes after this returns */
	static int expired;

	uv_timer_init(f->loop, &timer);
	timer.data = &expired;
	uv_timer_start(&timer, mdns_deadline, 30000, 0);
	while (!sim_mdns_all_committed(f) && !expired && !stopping)
		uv_run(f->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&timer, NULL);
	if (!sim_mdns_all_committed(f) && !stopping) {
		fprintf(stderr, "espfleet-sim: --mdns: the devices could not be "
		    "published within 30 s (is avahi-daemon running?)\n");
		return -1;
	}
	return stopping ? -1 : 0;
}

static void
worker_close_cb(uv_handle_t *h)
{
	(void)h;
}

static void
worker_stop_cb(uv_async_t *a)
{
	struct worker *w = a->data;
	uint32_t i;

	for (i = 0; i < w->count; i++)
		sim_device_stop(&devices[w->first + i]);
	sim_pull_fleet_stop(&w->fleet);
	uv_close((uv_handle_t *)&w->stop, worker_close_cb);
	uv_close((uv_handle_t *)&w->arm, worker_close_cb);
}

static void
worker_arm_cb(uv_async_t *a)
{
	struct worker *w = a->data;
	uint32_t i;

	for (i = 0; i < w->count; i++)
		sim_device_arm(&devices[w->first + i]);
}

static void
worker_report(struct worker *w, int state)
{
	pthread_mutex_lock(&start_lock);
	w->state = state;
	pthread_cond_broadcast(&start_cond);
	pthread_mutex_unlock(&start_lock);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	uint32_t i;

	if (sim_pull_fleet_start(&w->fleet) != 0) {
		snprintf(w->err, sizeof(w->err), "cannot start libcurl");
		uv_close((uv_handle_t *)&w->stop, worker_close_cb);
		uv_close((uv_handle_t *)&w->arm, worker_close_cb);
		uv_run(&w->loop, UV_RUN_DEFAULT);
		worker_report(w, -1);
		return NULL;
	}
	for (i = 0; i < w->count; i++) {
		if (sim_device_start(&devices[w->first + i], &w->fleet,
		    w->first + i + 1, w->err, sizeof(w->err)) != 0) {
			/* stop what started; the main thread reports it */
			uint32_t j;

			for (j = 0; j <= i; j++)
				sim_device_stop(&devices[w->first + j]);
			sim_pull_fleet_stop(&w->fleet);
			uv_close((uv_handle_t *)&w->stop, worker_close_cb);
			uv_close((uv_handle_t *)&w->arm, worker_close_cb);
			uv_run(&w->loop, UV_RUN_DEFAULT);
			worker_report(w, -1);
			return NULL;
		}
	}
	worker_report(w, 1);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	return NULL;
}

static void
relay_signal(uv_signal_t *s, int signum)
{
	uint32_t i;

	(void)s;
	for (i = 0; i < nworkers; i++)
		uv_async_send(signum == SIGUSR1 ? &workers[i].arm :
		    &workers[i].stop);
	if (signum != SIGUSR1 && !stopping) {
		stopping = 1;
		uv_close((uv_handle_t *)&sig_int, NULL);
		uv_close((uv_handle_t *)&sig_term, NULL);
		uv_close((uv_handle_t *)&sig_usr1, NULL);
	}
}

/* The fleet in threads: 0 after a clean stop, 1 if a device could not be
 * set up. */
static int
run_threads(const struct sim_options *o, uint32_t n)
{
	uint32_t i, per = (o->devices + n - 1) / n, started = 0;
	int rc = 0, all;

	workers = calloc(n, sizeof(*workers));
	if (workers == NULL) {
		fprintf(stderr, "espfleet-sim: out of memory\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct worker *w = &workers[i];

		w->first = i * per;
		w->count = w->first >= o->devices ? 0 :
		    (o->devices - w->first < per ? o->devices - w->first : per);
		if (w->count == 0)
			break;
		w->fleet = fleet;
		w->fleet.loop = &w->loop;
		w->fleet.io_buf = malloc(4096);
		w->fleet.io_buf_len = 4096;
		w->fleet.read_buf = malloc(65536);
		w->fleet.read_buf_len = 65536;
		if (w->fleet.io_buf == NULL || w->fleet.read_buf == NULL) {
			fprintf(stderr, "espfleet-sim: out of memory\n");
			return 1;
		}
		uv_loop_init(&w->loop);
		uv_async_init(&w->loop, &w->stop, worker_stop_cb);
		uv_async_init(&w->loop, &w->arm, worker_arm_cb);
		w->stop.data = w->arm.data = w;
		nworkers++;
	}
	uv_signal_init(fleet.loop, &sig_int);
	uv_signal_init(fleet.loop, &sig_term);
	uv_signal_init(fleet.loop, &sig_usr1);
	uv_signal_start(&sig_int, relay_signal, SIGINT);
	uv_signal_start(&sig_term, relay_signal, SIGTERM);
	uv_signal_start(&sig_usr1, relay_signal, SIGUSR1);
	for (i = 0; i < nworkers; i++) {
		if (pthread_create(&workers[i].tid, NULL, worker_main,
		    &workers[i]) != 0) {
			fprintf(stderr, "espfleet-sim: cannot start a thread\n");
			workers[i].state = -1;
			break;
		}
		started++;
	}
	/* wait until every slice is bound (or failed) */
	pthread_mutex_lock(&start_lock);
	do {
		all = 1;
		for (i = 0; i < started; i++)
			if (workers[i].state == 0)
				all = 0;
		if (!all)
			pthread_cond_wait(&start_cond, &start_lock);
	} while (!all);
	pthread_mutex_unlock(&start_lock);
	for (i = 0; i < nworkers; i++)
		if (workers[i].state != 1) {
			if (workers[i].err[0] != '\0')
				fprintf(stderr, "espfleet-sim: %s\n",
				    workers[i].err);
			rc = 1;
		}
	if (rc == 0) {
		printf("ready %u devices\n", o->devices);
		fflush(stdout);
	} else {
		relay_signal(&sig_int, SIGINT);
	}
	uv_run(fleet.loop, UV_RUN_DEFAULT);
	for (i = 0; i < started; i++) {
		pthread_join(workers[i].tid, NULL);
		uv_loop_close(&workers[i].loop);
		free(workers[i].fleet.io_buf);
		free(workers[i].fleet.read_buf);
	}
	free(workers);
	return rc;
}

static int
make_state_dir(const struct sim_options *o, char *out, size_t cap)
{
	if (o->state_dir != NULL) {
		if (mkdir(o->state_dir, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "espfleet-sim: cannot create state "
			    "directory '%s': %s\n", o->state_dir,
			    strerror(errno));
			return -1;
		}
		if (realpath(o->state_dir, out) == NULL) {
			fprintf(stderr, "espfleet-sim: state directory '%s': "
			    "%s\n", o->state_dir, strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(out, cap, "%s/espfleet-sim-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(out) == NULL) {
		fprintf(stderr, "espfleet-sim: cannot create a temporary state "
		    "directory: %s\n", strerror(errno));
		return -1;
	}
	fprintf(stderr, "espfleet-sim: state directory %s\n", out);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct sim_options opt;
	static uint8_t io_buf[4096];
	static uint8_t read_buf[65536];
	char err[512];
	uint32_t i;
	int rc = 0;

	/* A host that resets a connection must cost one device its upload
	 * (EPIPE, handled where the write fails), not the whole fleet; a
	 * file over RLIMIT_FSIZE is a failed write (EFBIG) too. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	switch (sim_options_parse(argc, argv, &opt, err, sizeof(err))) {
	case SIM_PARSE_OK:
		break;
	case SIM_PARSE_EXIT_OK:
		return 0;
	case SIM_PARSE_USAGE:
		fprintf(stderr, "espfleet-sim: %s\n", err);
		fprintf(stderr, "Try 'espfleet-sim --help'.\n");
		return 2;
	}
	raise_fd_limit(opt.devices, opt.http_port != 0 || opt.pull_url != NULL);
	if (opt.pull_url != NULL)
		sim_pull_global_init();   /* before any thread */
	fleet.loop = uv_default_loop();
	fleet.opt = &opt;
	fleet.io_buf = io_buf;
	fleet.io_buf_len = sizeof(io_buf);
	fleet.read_buf = read_buf;
	fleet.read_buf_len = sizeof(read_buf);
	fleet.agent_cfg.chip = opt.chip;
	fleet.agent_cfg.auth = opt.auth;
	fleet.agent_cfg.chip_flash_size = opt.flash_size;
	fleet.agent_cfg.require_arm = opt.update_window_s > 0;
	fleet.agent_cfg.trial_ms = opt.trial_deadline_ms;
	if (opt.password_file != NULL &&
	    load_password(opt.password_file, opt.auth, fleet.agent_cfg.pw_key,
	    err, sizeof(err)) != 0) {
		fprintf(stderr, "espfleet-sim: %s\n", err);
		return 1;
	}
	if (opt.signing_key != NULL &&
	    sim_stage_load_key(&fleet, opt.signing_key, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "espfleet-sim: %s\n", err);
		return 1;
	}
	if (make_state_dir(&opt, fleet.state_dir, sizeof(fleet.state_dir)) != 0)
		return 1;
	devices = calloc(opt.devices, sizeof(*devices));
	if (devices == NULL) {
		fprintf(stderr, "espfleet-sim: out of memory\n");
		return 1;
	}
	if (opt.threads > 1) {
		rc = run_threads(&opt, opt.threads);
		uv_loop_close(fleet.loop);
		free(devices);
		memset(fleet.agent_cfg.pw_key, 0,
		    sizeof(fleet.agent_cfg.pw_key));
		return rc;
	}
	if (opt.mdns && sim_mdns_start(&fleet, err, sizeof(err)) != 0) {
		fprintf(stderr, "espfleet-sim: %s\n", err);
		return 1;
	}
	if (sim_pull_fleet_start(&fleet) != 0) {
		fprintf(stderr, "espfleet-sim: cannot start libcurl\n");
		return 1;
	}
	uv_signal_init(fleet.loop, &sig_int);
	uv_signal_init(fleet.loop, &sig_term);
	uv_signal_init(fleet.loop, &sig_usr1);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_usr1, on_signal, SIGUSR1);
	for (i = 0; i < opt.devices; i++) {
		if (sim_device_start(&devices[i], &fleet, i + 1, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "espfleet-sim: %s\n", err);
			ndevices = i + 1;
			rc = 1;
			break;
		}
		ndevices = i + 1;
	}
	if (rc == 0 && opt.mdns && wait_mdns(&fleet) != 0)
		rc = 1;
	if (rc == 0) {
		printf("ready %u devices\n", opt.devices);
		fflush(stdout);
	} else {
		stop_all();
	}
	uv_run(fleet.loop, UV_RUN_DEFAULT);
	if (fleet.mdns != NULL)
		sim_mdns_stop(&fleet);
	uv_run(fleet.loop, UV_RUN_DEFAULT);
	if (uv_loop_close(fleet.loop) != 0 && rc == 0)
		fprintf(stderr, "espfleet-sim: warning: handles left open at "
		    "exit\n");
	free(devices);
	sim_stage_free_key(&fleet);
	memset(fleet.agent_cfg.pw_key, 0, sizeof(fleet.agent_cfg.pw_key));
	return rc;
}
