/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the wrong-password throttle of espfleet serve
 * (src/serve/throttle.c): free tries, doubling lockouts up to the cap,
 * per address (IPv4, v4-mapped the same, IPv6 by /64), a right password
 * or a quiet spell starts afresh, a full table makes room.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/serve.h"

static struct sockaddr_storage *
addr(const char *text)
{
	static struct sockaddr_storage ss[4];
	static int next;
	struct sockaddr_storage *a = &ss[next++ % 4];

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text,
	    &((struct sockaddr_in *)a)->sin_addr) == 1)
		a->ss_family = AF_INET;
	else if (inet_pton(AF_INET6, text,
	    &((struct sockaddr_in6 *)a)->sin6_addr) == 1)
		a->ss_family = AF_INET6;
	else
		fail_msg("bad address %s", text);
	return a;
}

#define SA(text) ((const struct sockaddr *)addr(text))

static struct efl_throttle *
new_throttle(void)
{
	struct efl_throttle *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	return t;
}

static void
test_doubling_lockouts(void **state)
{
	struct efl_throttle *t = new_throttle();
	uint64_t now = 1000000, lock, want = EFL_THROTTLE_FIRST_MS;
	uint32_t failures, i;

	(void)state;
	for (i = 1; i < EFL_THROTTLE_FREE; i++) {
		assert_int_equal(efl_throttle_failed(t, SA("192.0.2.7"), now,
		    &failures), 0);
		assert_int_equal(failures, i);
		assert_int_equal(efl_throttle_wait(t, SA("192.0.2.7"), now), 0);
	}
	for (i = 0; i < 10; i++) {
		lock = efl_throttle_failed(t, SA("192.0.2.7"), now, &failures);
		assert_int_equal(lock, want);
		assert_int_equal(failures, EFL_THROTTLE_FREE + i);
		assert_int_equal(efl_throttle_wait(t, SA("192.0.2.7"), now),
		    want);
		assert_int_equal(efl_throttle_wait(t, SA("192.0.2.7"),
		    now + want - 1), 1);
		assert_int_equal(efl_throttle_wait(t, SA("192.0.2.7"),
		    now + want), 0);
		now += want;
		want = want * 2 > EFL_THROTTLE_MAX_MS ? EFL_THROTTLE_MAX_MS :
		    want * 2;
	}
	assert_int_equal(want, EFL_THROTTLE_MAX_MS);
	/* other addresses are not concerned */
	assert_int_equal(efl_throttle_wait(t, SA("192.0.2.8"), now), 0);
	/* the right password starts afresh */
	efl_throttle_failed(t, SA("192.0.2.7"), now, &failures);
	efl_throttle_passed(t, SA("192.0.2.7"));
	assert_int_equal(efl_throttle_wait(t, SA("192.0.2.7"), now), 0);
	assert_int_equal(efl_throttle_failed(t, SA("192.0.2.7"), now,
	    &failures), 0);
	assert_int_equal(failures, 1);
	free(t);
}

static void
test_forget_after_quiet(void **state)
{
	struct efl_throttle *t = new_throttle();
	uint32_t failures, i;

	(void)state;
	for (i = 0; i < EFL_THROTTLE_FREE + 2; i++)
		efl_throttle_failed(t, SA("192.0.2.7"), 5000, &failures);
	assert_int_equal(failures, EFL_THROTTLE_FREE + 2);
	efl_throttle_failed(t, SA("192.0.2.7"),
	    5000 + EFL_THROTTLE_FORGET_MS, &failures);
	assert_int_equal(failures, 1);
	free(t);
}

static void
test_address_keys(void **state)
{
	struct efl_throttle *t = new_throttle();
	uint32_t failures, i;

	(void)state;
	for (i = 0; i < EFL_THROTTLE_FREE; i++)
		efl_throttle_failed(t, SA("2001:db8:1:2::10"), 0, &failures);
	/* the same /64 is the same client */
	assert_true(efl_throttle_wait(t, SA("2001:db8:1:2::99"), 0) > 0);
	assert_true(efl_throttle_wait(t, SA("2001:db8:1:2:ffff::1"), 0) > 0);
	assert_int_equal(efl_throttle_wait(t, SA("2001:db8:1:3::10"), 0), 0);
	/* an IPv4 address is the same client v4-mapped */
	for (i = 0; i < EFL_THROTTLE_FREE; i++)
		efl_throttle_failed(t, SA("::ffff:198.51.100.4"), 0, &failures);
	assert_true(efl_throttle_wait(t, SA("198.51.100.4"), 0) > 0);
	assert_int_equal(efl_throttle_wait(t, SA("198.51.100.5"), 0), 0);
	free(t);
}

static void
test_full_table(void **state)
{
	struct efl_throttle *t = new_throttle();
	char text[32];
	uint32_t failures, i;

	(void)state;
	for (i = 0; i < EFL_THROTTLE_FREE; i++)
		efl_throttle_failed(t, SA("192.0.2.7"), 100000, &failures);
	/* many addresses later, each one wrong password */
	for (i = 0; i < EFL_THROTTLE_SLOTS; i++) {
		snprintf(text, sizeof(text), "10.%u.%u.1", i >> 8, i & 255);
		efl_throttle_failed(t, SA(text), 100001 + i, &failures);
		assert_int_equal(failures, 1);
	}
	/* the one quiet longest made room: 192.0.2.7 starts afresh */
	assert_int_equal(efl_throttle_wait(t, SA("192.0.2.7"), 100000), 0);
	snprintf(text, sizeof(text), "10.%u.%u.1", (EFL_THROTTLE_SLOTS - 1)
	    >> 8, (EFL_THROTTLE_SLOTS - 1) & 255);
	efl_throttle_failed(t, SA(text), 200000, &failures);
	assert_int_equal(failures, 2);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubling_lockouts),
		cmocka_unit_test(test_forget_after_quiet),
		cmocka_unit_test(test_address_keys),
		cmocka_unit_test(test_full_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
