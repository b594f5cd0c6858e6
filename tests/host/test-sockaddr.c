/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the socket address helpers (src/core/sockaddr.c): length,
 * copy, ports, parsing with zones, and the comparisons that decide whether
 * a datagram or a connection comes from the device (v4-mapped addresses
 * from a dual-stack socket, IPv6 scope ids).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "espfleet/sockaddr.h"

static struct sockaddr *
sa(struct sockaddr_storage *ss, const char *text, uint16_t port)
{
	if (efl_sockaddr_parse(ss, text) != 0)
		fail_msg("cannot parse '%s'", text);
	efl_sockaddr_set_port((struct sockaddr *)ss, port);
	return (struct sockaddr *)ss;
}

static void
test_parse(void **state)
{
	struct sockaddr_storage ss;
	char out[64];

	(void)state;
	assert_int_equal(efl_sockaddr_parse(&ss, "192.0.2.10"), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(efl_sockaddr_port((struct sockaddr *)&ss), 0);
	assert_int_equal(efl_sockaddr_len((struct sockaddr *)&ss),
	    sizeof(struct sockaddr_in));
	assert_int_equal(efl_sockaddr_parse(&ss, "2001:db8::1"), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(efl_sockaddr_len((struct sockaddr *)&ss),
	    sizeof(struct sockaddr_in6));
	/* a numeric zone; an interface name that exists (lo) */
	assert_int_equal(efl_sockaddr_parse(&ss, "fe80::1%7"), 0);
	assert_int_equal(((struct sockaddr_in6 *)&ss)->sin6_scope_id, 7);
	assert_int_equal(efl_sockaddr_parse(&ss, "fe80::1%lo"), 0);
	assert_true(((struct sockaddr_in6 *)&ss)->sin6_scope_id != 0);
	efl_sockaddr_text((struct sockaddr *)&ss, out, sizeof(out));
	assert_string_equal(out, "fe80::1");

	/* only numeric forms: no names, no short IPv4 forms, no bad zones */
	assert_int_equal(efl_sockaddr_parse(&ss, "localhost"), -1);
	assert_int_equal(efl_sockaddr_parse(&ss, "127.1"), -1);
	assert_int_equal(efl_sockaddr_parse(&ss, "1.2.3.4%lo"), -1);
	assert_int_equal(efl_sockaddr_parse(&ss, "fe80::1%"), -1);
	assert_int_equal(efl_sockaddr_parse(&ss, "fe80::1%no-such-if0"), -1);
	assert_int_equal(efl_sockaddr_parse(&ss, ""), -1);
}

static void
test_ports_and_copy(void **state)
{
	struct sockaddr_storage a, b;
	struct sockaddr un;

	(void)state;
	sa(&a, "10.1.2.3", 8266);
	assert_int_equal(efl_sockaddr_port((struct sockaddr *)&a), 8266);
	assert_int_equal(ntohs(((struct sockaddr_in *)&a)->sin_port), 8266);
	memset(&b, 0xa5, sizeof(b));
	efl_sockaddr_copy(&b, (struct sockaddr *)&a);
	assert_memory_equal(&a, &b, sizeof(a));   /* the rest zeroed too */

	sa(&a, "::1", 3232);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&a)->sin6_port), 3232);
	efl_sockaddr_set_port((struct sockaddr *)&a, 1);
	assert_int_equal(efl_sockaddr_port((struct sockaddr *)&a), 1);

	/* another family: no length, no port, never equal */
	memset(&un, 0, sizeof(un));
	un.sa_family = AF_UNIX;
	assert_int_equal(efl_sockaddr_len(&un), 0);
	assert_int_equal(efl_sockaddr_port(&un), 0);
	efl_sockaddr_set_port(&un, 80);
	assert_false(efl_sockaddr_same_addr(&un, &un));
}

static void
test_same_addr_and_endpoint(void **state)
{
	struct sockaddr_storage dev, from;

	(void)state;
	sa(&dev, "127.0.0.5", 8266);
	assert_true(efl_sockaddr_same_endpoint((struct sockaddr *)&dev,
	    sa(&from, "127.0.0.5", 8266)));
	/* another port of the right host: same address, other endpoint */
	sa(&from, "127.0.0.5", 8267);
	assert_true(efl_sockaddr_same_addr((struct sockaddr *)&dev,
	    (struct sockaddr *)&from));
	assert_false(efl_sockaddr_same_endpoint((struct sockaddr *)&dev,
	    (struct sockaddr *)&from));
	/* another host */
	assert_false(efl_sockaddr_same_addr((struct sockaddr *)&dev,
	    sa(&from, "127.0.0.6", 8266)));

	/* v4-mapped, as a dual-stack socket reports IPv4 peers */
	assert_true(efl_sockaddr_same_endpoint((struct sockaddr *)&dev,
	    sa(&from, "::ffff:127.0.0.5", 8266)));
	assert_true(efl_sockaddr_same_endpoint(sa(&from, "::ffff:127.0.0.5",
	    8266), (struct sockaddr *)&dev));
	assert_false(efl_sockaddr_same_addr((struct sockaddr *)&dev,
	    sa(&from, "::ffff:127.0.0.9", 8266)));
	assert_false(efl_sockaddr_same_endpoint((struct sockaddr *)&dev,
	    sa(&from, "::ffff:127.0.0.5", 9)));
	/* an IPv6 address that only ends in the same four bytes */
	assert_false(efl_sockaddr_same_addr((struct sockaddr *)&dev,
	    sa(&from, "::7f00:5", 8266)));

	/* IPv6: the address, and the scope when both have one */
	sa(&dev, "2001:db8::1", 3232);
	assert_true(efl_sockaddr_same_endpoint((struct sockaddr *)&dev,
	    sa(&from, "2001:db8::1", 3232)));
	assert_false(efl_sockaddr_same_addr((struct sockaddr *)&dev,
	    sa(&from, "2001:db8::2", 3232)));
	sa(&dev, "fe80::1%3", 3232);
	assert_true(efl_sockaddr_same_addr((struct sockaddr *)&dev,
	    sa(&from, "fe80::1%3", 1)));
	assert_false(efl_sockaddr_same_addr((struct sockaddr *)&dev,
	    sa(&from, "fe80::1%4", 1)));
	assert_true(efl_sockaddr_same_addr((struct sockaddr *)&dev,
	    sa(&from, "fe80::1", 1)));
}

static void
test_unmap(void **state)
{
	struct sockaddr_storage in, out;
	char text[64];

	(void)state;
	efl_sockaddr_unmap(&out, sa(&in, "::ffff:192.0.2.7", 99));
	assert_int_equal(out.ss_family, AF_INET);
	assert_int_equal(efl_sockaddr_port((struct sockaddr *)&out), 99);
	efl_sockaddr_text((struct sockaddr *)&out, text, sizeof(text));
	assert_string_equal(text, "192.0.2.7");
	efl_sockaddr_unmap(&out, sa(&in, "2001:db8::7", 99));
	assert_memory_equal(&in, &out, sizeof(in));
}

static void
test_text(void **state)
{
	struct sockaddr_storage ss;
	char out[64];

	(void)state;
	efl_sockaddr_endpoint_text(sa(&ss, "10.1.2.3", 8266), out,
	    sizeof(out));
	assert_string_equal(out, "10.1.2.3:8266");
	efl_sockaddr_endpoint_text(sa(&ss, "2001:db8::1", 3232), out,
	    sizeof(out));
	assert_string_equal(out, "[2001:db8::1]:3232");
	efl_endpoint_text(out, sizeof(out), "::1", 80);
	assert_string_equal(out, "[::1]:80");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_ports_and_copy),
		cmocka_unit_test(test_same_addr_and_endpoint),
		cmocka_unit_test(test_unmap),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
