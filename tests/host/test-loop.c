/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the loop owner (src/core/loop.c): SIGINT, SIGTERM and
 * SIGHUP become one cancel (hooks run once, the first signal is
 * remembered, a hook registered afterwards runs at once), a loop not
 * owned is never canceled, and the teardown names and closes what was
 * left open instead of hanging on it; and after efl_process_init SIGPIPE
 * is ignored (a write to a reset connection is an error, not the end). Signals are raised in this
 * process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "espfleet/log.h"
#include "espfleet/loop.h"
#include "espfleet/process.h"

struct probe {
	struct efl_cancel_hook hook;   /* first */
	int calls;
	int signum;
};

static void
on_cancel(struct efl_cancel_hook *h, int signum)
{
	struct probe *p = (struct probe *)h;

	p->calls++;
	p->signum = signum;
}

static uv_loop_t *
open_loop(void)
{
	struct efl_errbuf eb;
	uv_loop_t *loop = efl_loop_open(&eb);

	if (loop == NULL)
		fail_msg("%s", eb.msg);
	return loop;
}

/* After the process set-up every command does (efl_process_init), a
 * write to a socket whose peer is gone is EPIPE and the process lives. */
static void
test_sigpipe_ignored(void **state)
{
	int sv[2];

	(void)state;
	signal(SIGPIPE, SIG_DFL);
	assert_int_equal(efl_process_init(), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	assert_int_equal(write(sv[0], "x", 1), -1);
	close(sv[0]);
}

static void
never(uv_timer_t *t)
{
	(void)t;
	fail_msg("the keep-alive timer fired");
}

/* Raise signum and let the loop see it (bounded). The signal handlers
 * never keep a loop alive: a timer does, as a command's work would. */
static void
deliver(uv_loop_t *loop, int signum, int want_canceled)
{
	uv_timer_t alive;
	int i;

	uv_timer_init(loop, &alive);
	uv_timer_start(&alive, never, 3600 * 1000, 0);
	raise(signum);
	for (i = 0; i < 100 && efl_loop_canceled(loop) != want_canceled; i++)
		uv_run(loop, UV_RUN_NOWAIT);
	uv_close((uv_handle_t *)&alive, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	assert_int_equal(efl_loop_canceled(loop), want_canceled);
}

static void
test_signals_cancel_once(void **state)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		uv_loop_t *loop = open_loop();
		struct probe a, b, late;

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		memset(&late, 0, sizeof(late));
		efl_loop_on_cancel(loop, &a.hook, on_cancel);
		efl_loop_on_cancel(loop, &b.hook, on_cancel);
		efl_loop_cancel_remove(loop, &b.hook);
		assert_int_equal(efl_loop_canceled(loop), 0);
		deliver(loop, sigs[i], sigs[i]);
		assert_int_equal(a.calls, 1);
		assert_int_equal(a.signum, sigs[i]);
		assert_int_equal(b.calls, 0);      /* removed before */
		/* another signal: nothing more */
		deliver(loop, sigs[(i + 1) % 3], sigs[i]);
		assert_int_equal(a.calls, 1);
		/* a hook that comes after the cancel runs at once */
		efl_loop_on_cancel(loop, &late.hook, on_cancel);
		assert_int_equal(late.calls, 1);
		assert_int_equal(late.signum, sigs[i]);
		efl_loop_cancel_remove(loop, &late.hook);
		efl_loop_cancel_remove(loop, &a.hook);
		efl_loop_close(loop);
	}
}

static void
test_loop_not_owned(void **state)
{
	uv_loop_t loop;
	struct probe p;

	(void)state;
	memset(&p, 0, sizeof(p));
	loop.data = &p;   /* whatever the caller keeps there */
	assert_int_equal(uv_loop_init(&loop), 0);
	efl_loop_on_cancel(&loop, &p.hook, on_cancel);
	assert_int_equal(efl_loop_canceled(&loop), 0);
	efl_loop_cancel_remove(&loop, &p.hook);
	assert_int_equal(p.calls, 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
set_done(uv_timer_t *t)
{
	*(int *)t->data = 1;
	uv_close((uv_handle_t *)t, NULL);
}

static void
test_run_until(void **state)
{
	uv_loop_t *loop = open_loop();
	uv_timer_t t;
	int done = 0;

	(void)state;
	uv_timer_init(loop, &t);
	t.data = &done;
	uv_timer_start(&t, set_done, 10, 0);
	efl_loop_run_until(loop, &done);
	assert_true(done);
	efl_loop_close(loop);
}

/* Handles a command forgot: named in the -v log and closed, and the
 * teardown returns (an active timer would keep UV_RUN_DEFAULT going). */
static void
test_teardown_closes_leftovers(void **state)
{
	uv_loop_t *loop = open_loop();
	uv_timer_t *active = malloc(sizeof(*active));
	uv_idle_t *idle = malloc(sizeof(*idle));
	char path[] = "/tmp/efl-test-loop.XXXXXX", log[512];
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	uv_timer_init(loop, active);
	uv_timer_start(active, set_done, 3600 * 1000, 0);
	uv_idle_init(loop, idle);   /* never started, never closed */
	efl_log_set_verbose(1);
	assert_int_equal(dup2(fd, 2), 2);
	efl_loop_close(loop);
	assert_int_equal(dup2(saved, 2), 2);
	efl_log_set_verbose(0);
	n = pread(fd, log, sizeof(log) - 1, 0);
	assert_true(n > 0);
	log[n] = '\0';
	assert_non_null(strstr(log, "handles left open at exit: "));
	assert_non_null(strstr(log, "timer"));
	assert_non_null(strstr(log, "idle"));
	close(fd);
	close(saved);
	unlink(path);
	free(active);
	free(idle);
}

static void
test_fd_limit(void **state)
{
	uint64_t before = efl_fd_limit();

	(void)state;
	assert_true(before > 0);
	assert_true(efl_fd_limit_raise() >= before);
	assert_int_equal(efl_fd_limit(), efl_fd_limit_raise());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signals_cancel_once),
		cmocka_unit_test(test_sigpipe_ignored),
		cmocka_unit_test(test_loop_not_owned),
		cmocka_unit_test(test_run_until),
		cmocka_unit_test(test_teardown_closes_leftovers),
		cmocka_unit_test(test_fd_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
