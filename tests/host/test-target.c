/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of push target parsing (src/fleet/target.c): "addr[:port]",
 * "[v6]:port", bare IPv6, names, and every malformed form; numeric
 * addresses; and duplicate refusal in efl_targets_resolve (resolve.c) with
 * numeric targets only. No DNS: "localhost" only when /etc/hosts has it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "espfleet/target.h"

static void
parse_ok(struct efl_target *t, const char *spec, uint16_t def,
    const char *host, uint16_t port)
{
	struct efl_errbuf eb;

	memset(&eb, 0, sizeof(eb));
	if (efl_target_parse(t, spec, def, &eb) != 0)
		fail_msg("'%s': %s", spec, eb.msg);
	assert_string_equal(t->host, host);
	assert_int_equal(t->port, port);
	assert_string_equal(t->label, spec);
	assert_null(t->name);
	assert_null(t->board);
	assert_null(t->running_md5);
	assert_int_equal(t->auth_upload, -1);
	assert_int_equal(t->addr_len, 0);
}

/* Expect a parse error whose message contains want. */
static void
parse_bad(const char *spec, const char *want)
{
	struct efl_target t;
	struct efl_errbuf eb;

	memset(&eb, 0, sizeof(eb));
	if (efl_target_parse(&t, spec, 8266, &eb) != -1)
		fail_msg("'%s' was accepted", spec);
	if (strstr(eb.msg, want) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", spec, eb.msg, want);
	assert_null(t.host);
	assert_null(t.label);
}

static void
test_parse_ipv4(void **state)
{
	struct efl_target t;

	(void)state;
	parse_ok(&t, "1.2.3.4", 8266, "1.2.3.4", 8266);
	efl_target_free(&t);
	parse_ok(&t, "1.2.3.4:3232", 8266, "1.2.3.4", 3232);
	efl_target_free(&t);
	parse_ok(&t, "1.2.3.4:1", 8266, "1.2.3.4", 1);
	efl_target_free(&t);
	parse_ok(&t, "1.2.3.4:65535", 8266, "1.2.3.4", 65535);
	efl_target_free(&t);
	/* the default port is whatever the caller says */
	parse_ok(&t, "1.2.3.4", 3232, "1.2.3.4", 3232);
	efl_target_free(&t);
}

static void
test_parse_ipv6(void **state)
{
	struct efl_target t;

	(void)state;
	parse_ok(&t, "[::1]:8266", 3232, "::1", 8266);
	efl_target_free(&t);
	parse_ok(&t, "[::1]", 3232, "::1", 3232);
	efl_target_free(&t);
	/* bare IPv6: every colon belongs to the address */
	parse_ok(&t, "::1", 8266, "::1", 8266);
	efl_target_free(&t);
	parse_ok(&t, "fe80::1:2", 8266, "fe80::1:2", 8266);
	efl_target_free(&t);
	parse_ok(&t, "[2001:db8::10]:3232", 8266, "2001:db8::10", 3232);
	efl_target_free(&t);
	/* link-local addresses with their zone */
	parse_ok(&t, "[fe80::1%eth0]:3232", 8266, "fe80::1%eth0", 3232);
	efl_target_free(&t);
	parse_ok(&t, "fe80::1%lo", 8266, "fe80::1%lo", 8266);
	efl_target_free(&t);
}

static void
test_parse_name(void **state)
{
	struct efl_target t;

	(void)state;
	parse_ok(&t, "host.example", 8266, "host.example", 8266);
	efl_target_free(&t);
	parse_ok(&t, "host.example:8080", 8266, "host.example", 8080);
	efl_target_free(&t);
	parse_ok(&t, "esp-kitchen.local", 8266, "esp-kitchen.local", 8266);
	efl_target_free(&t);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	parse_bad("", "empty target");
	parse_bad("host:99999", "port must be 1-65535");
	parse_bad("host:65536", "port must be 1-65535");
	parse_bad("host:0", "port must be 1-65535");
	parse_bad("host:", "port must be 1-65535");
	parse_bad("host:80x", "port must be 1-65535");
	parse_bad("host:-1", "port must be 1-65535");
	parse_bad("host:+80", "port must be 1-65535");
	parse_bad("host: 80", "port must be 1-65535");
	parse_bad(":8266", "bad host");
	parse_bad("[::1", "missing ']'");
	parse_bad("[]:80", "target '[]:80'");
	parse_bad("[]", "empty brackets");
	parse_bad("[fe80::1%]x", "unexpected text");
	parse_bad("[fe80::1%]:80", "bad zone");
	parse_bad("fe80::1%", "bad zone");
	parse_bad("::%[]", "bad zone");
	parse_bad("fe80::1%eth0%1", "bad zone");
	parse_bad("[fe8g::1%eth0]:80", "brackets hold an IPv6 address only");
	parse_bad("[localhost]:80", "brackets hold an IPv6 address only");
	parse_bad("[1.2.3.4]:80", "brackets hold an IPv6 address only");
	parse_bad("host:80:extra", "not an IPv6 address");
	parse_bad("127.0.0.1:80:1", "not an IPv6 address");
	/* forms the resolver would take for some other IPv4 address */
	parse_bad("1.2.3", "not an IPv4 address");
	parse_bad("127.1", "not an IPv4 address");
	parse_bad("2130706433", "not an IPv4 address");
	parse_bad("0x7f.1", "not an IPv4 address");
	parse_bad("1.2.3.256:80", "not an IPv4 address");
	/* control characters: refused, and shown escaped */
	parse_bad("\x1b[31mred", "bad host");
	parse_bad("\x1b[31mred", "target '\\x1b[31mred'");
	parse_bad("a\nb", "target 'a\\x0ab'");
	parse_bad("[::1]x", "unexpected text after ']'");
	parse_bad("[::1]:", "port must be 1-65535");
	parse_bad("[::1]:0", "port must be 1-65535");
	parse_bad("a b", "bad host");
	parse_bad("a\tb", "bad host");
	parse_bad("a/b", "bad host");
	parse_bad("[a b]:80", "bad host");
	/* the spec is quoted in the message */
	parse_bad("host:99999", "target 'host:99999'");
}

/* A parse error leaves nothing to free (and free is safe anyway). */
static void
test_parse_error_frees(void **state)
{
	struct efl_target t;
	struct efl_errbuf eb;

	(void)state;
	assert_int_equal(efl_target_parse(&t, "[::1]:0", 8266, &eb), -1);
	efl_target_free(&t);
	assert_int_equal(efl_target_parse(&t, "x:y", 8266, &eb), -1);
	efl_target_free(&t);
	/* no errbuf: still refused, no crash */
	assert_int_equal(efl_target_parse(&t, "", 8266, NULL), -1);
}

static void
test_numeric_v4(void **state)
{
	struct efl_target t;
	const struct sockaddr_in *sin;

	(void)state;
	parse_ok(&t, "192.0.2.10:3232", 8266, "192.0.2.10", 3232);
	assert_int_equal(efl_target_numeric(&t), 1);
	sin = (const struct sockaddr_in *)&t.addr;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 3232);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0xc000020a);
	assert_int_equal(t.addr_len, sizeof(struct sockaddr_in));
	assert_string_equal(t.addr_text, "192.0.2.10");
	efl_target_free(&t);
}

static void
test_numeric_v6(void **state)
{
	struct efl_target t;
	const struct sockaddr_in6 *sin6;

	(void)state;
	parse_ok(&t, "[0:0:0:0:0:0:0:1]:8266", 3232, "0:0:0:0:0:0:0:1", 8266);
	assert_int_equal(efl_target_numeric(&t), 1);
	sin6 = (const struct sockaddr_in6 *)&t.addr;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 8266);
	assert_true(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	assert_int_equal(t.addr_len, sizeof(struct sockaddr_in6));
	/* the text is the canonical form */
	assert_string_equal(t.addr_text, "::1");
	efl_target_free(&t);
}

static void
test_numeric_name(void **state)
{
	struct efl_target t;

	(void)state;
	parse_ok(&t, "host.example", 8266, "host.example", 8266);
	assert_int_equal(efl_target_numeric(&t), 0);
	assert_int_equal(t.addr_len, 0);
	efl_target_free(&t);
	/* digits in a name are fine */
	parse_ok(&t, "123.example", 8266, "123.example", 8266);
	assert_int_equal(efl_target_numeric(&t), 0);
	efl_target_free(&t);
}

static void
test_sockaddr_text(void **state)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_storage ss;
	char out[64], small[4];

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(8266);
	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	efl_sockaddr_text((const struct sockaddr *)&sin, out, sizeof(out));
	assert_string_equal(out, "10.1.2.3");

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:0:0::1", &sin6.sin6_addr);
	efl_sockaddr_text((const struct sockaddr *)&sin6, out, sizeof(out));
	assert_string_equal(out, "2001:db8::1");

	/* with the port: IPv6 in brackets */
	sin6.sin6_port = htons(3232);
	efl_sockaddr_endpoint_text((const struct sockaddr *)&sin6, out,
	    sizeof(out));
	assert_string_equal(out, "[2001:db8::1]:3232");
	efl_sockaddr_endpoint_text((const struct sockaddr *)&sin, out,
	    sizeof(out));
	assert_string_equal(out, "10.1.2.3:8266");
	efl_endpoint_text(out, sizeof(out), "::1", 8266);
	assert_string_equal(out, "[::1]:8266");

	/* too small: "?" rather than a cut address */
	efl_sockaddr_text((const struct sockaddr *)&sin, small, sizeof(small));
	assert_string_equal(small, "?");

	/* unknown family */
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	efl_sockaddr_text((const struct sockaddr *)&ss, out, sizeof(out));
	assert_string_equal(out, "?");
}

/* ---- efl_targets_resolve, numeric only ---- */

static int
resolve(struct efl_target *t, uint32_t n, struct efl_errbuf *eb)
{
	uv_loop_t loop;
	int rc;

	assert_int_equal(uv_loop_init(&loop), 0);
	rc = efl_targets_resolve(&loop, t, n, eb);
	assert_int_equal(uv_loop_close(&loop), 0);
	return rc;
}

static void
parse_all(struct efl_target *t, const char *const *specs, uint32_t n)
{
	uint32_t i;
	struct efl_errbuf eb;

	for (i = 0; i < n; i++)
		if (efl_target_parse(&t[i], specs[i], 8266, &eb) != 0)
			fail_msg("'%s': %s", specs[i], eb.msg);
}

static void
free_all(struct efl_target *t, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		efl_target_free(&t[i]);
}

static void
test_resolve_numeric(void **state)
{
	static const char *const specs[] = {
		"127.0.0.1", "127.0.0.2:3232", "[::1]:8266"
	};
	struct efl_target t[3];
	struct efl_errbuf eb;

	(void)state;
	memset(&eb, 0, sizeof(eb));
	parse_all(t, specs, 3);
	if (resolve(t, 3, &eb) != 0)
		fail_msg("%s", eb.msg);
	assert_string_equal(t[0].addr_text, "127.0.0.1");
	assert_int_equal(t[0].addr.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&t[0].addr)->sin_port),
	    8266);
	assert_string_equal(t[1].addr_text, "127.0.0.2");
	assert_int_equal(ntohs(((struct sockaddr_in *)&t[1].addr)->sin_port),
	    3232);
	assert_string_equal(t[2].addr_text, "::1");
	assert_int_equal(t[2].addr.ss_family, AF_INET6);
	free_all(t, 3);
}

static void
test_resolve_empty(void **state)
{
	struct efl_errbuf eb;

	(void)state;
	assert_int_equal(resolve(NULL, 0, &eb), 0);
}

/* Among many targets: none refused when all differ (one zone-less IPv6
 * address and its zoned form are the same device, two ports are two),
 * and the first duplicate pair named when one is far apart (found by
 * sorting, named as by the pairwise check). */
static void
test_resolve_duplicates_many(void **state)
{
	enum { N = 600 };
	static char specs[N + 3][40];
	const char *p[N + 3];
	struct efl_target t[N + 3];
	struct efl_errbuf eb;
	uint32_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(specs[i], sizeof(specs[i]), "10.%u.%u.%u:%u",
		    (i * 7919u) % 256u, i / 256u, i % 256u, 8266u + i % 2u);
		p[i] = specs[i];
	}
	snprintf(specs[N], sizeof(specs[N]), "[fe80::1]:8266");
	snprintf(specs[N + 1], sizeof(specs[N + 1]), "[fe80::2]:8266");
	snprintf(specs[N + 2], sizeof(specs[N + 2]), "10.0.0.1:8266");
	for (i = N; i < N + 3; i++)
		p[i] = specs[i];
	memset(&eb, 0, sizeof(eb));
	parse_all(t, p, N + 2);
	if (resolve(t, N + 2, &eb) != 0)
		fail_msg("%s", eb.msg);
	free_all(t, N + 2);

	/* the last one is the first one, v4-mapped; ::2 twice comes later
	 * in the pairwise order */
	assert_string_equal(specs[0], "10.0.0.0:8266");
	snprintf(specs[N], sizeof(specs[N]), "[fe80::2]:8266");
	snprintf(specs[N + 2], sizeof(specs[N + 2]), "[::ffff:10.0.0.0]:8266");
	parse_all(t, p, N + 3);
	assert_int_equal(resolve(t, N + 3, &eb), -1);
	assert_non_null(strstr(eb.msg, "'10.0.0.0:8266' and "
	    "'[::ffff:10.0.0.0]:8266' are the same device"));
	free_all(t, N + 3);
}

/* The same device twice, spelled differently, is refused. */
static void
test_resolve_duplicates(void **state)
{
	static const char *const specs[] = { "127.0.0.1", "127.0.0.1:8266" };
	struct efl_target t[2];
	struct efl_errbuf eb;

	(void)state;
	memset(&eb, 0, sizeof(eb));
	parse_all(t, specs, 2);
	assert_int_equal(resolve(t, 2, &eb), -1);
	assert_non_null(strstr(eb.msg, "'127.0.0.1'"));
	assert_non_null(strstr(eb.msg, "'127.0.0.1:8266'"));
	assert_non_null(strstr(eb.msg, "same device"));
	assert_non_null(strstr(eb.msg, "8266"));
	free_all(t, 2);
}

static void
test_resolve_duplicates_v6(void **state)
{
	static const char *const specs[] = {
		"192.0.2.1", "::1", "192.0.2.2", "[0:0::1]:8266"
	};
	struct efl_target t[4];
	struct efl_errbuf eb;

	(void)state;
	memset(&eb, 0, sizeof(eb));
	parse_all(t, specs, 4);
	assert_int_equal(resolve(t, 4, &eb), -1);
	assert_non_null(strstr(eb.msg, "'::1'"));
	assert_non_null(strstr(eb.msg, "'[0:0::1]:8266'"));
	free_all(t, 4);
}

/* Same address, different ports: two devices (e.g. two simulators). */
static void
test_resolve_different_ports(void **state)
{
	static const char *const specs[] = {
		"127.0.0.1", "127.0.0.1:3232", "127.0.0.1:8267"
	};
	struct efl_target t[3];
	struct efl_errbuf eb;

	(void)state;
	memset(&eb, 0, sizeof(eb));
	parse_all(t, specs, 3);
	if (resolve(t, 3, &eb) != 0)
		fail_msg("%s", eb.msg);
	free_all(t, 3);
}

/* An address filled in already (e.g. by discovery) is kept as is. */
static void
test_resolve_keeps_known_addr(void **state)
{
	struct efl_target t[1];
	struct sockaddr_in *sin = (struct sockaddr_in *)&t[0].addr;
	struct efl_errbuf eb;

	(void)state;
	assert_int_equal(efl_target_parse(&t[0], "device-name", 8266, &eb),
	    0);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(8266);
	inet_pton(AF_INET, "192.0.2.77", &sin->sin_addr);
	t[0].addr_len = sizeof(*sin);
	snprintf(t[0].addr_text, sizeof(t[0].addr_text), "192.0.2.77");
	if (resolve(t, 1, &eb) != 0)
		fail_msg("%s", eb.msg);
	assert_string_equal(t[0].addr_text, "192.0.2.77");
	free_all(t, 1);
}

/* 1 if /etc/hosts maps localhost to 127.0.0.1 and is read before DNS. */
static int
localhost_from_files(void)
{
	FILE *f = fopen("/etc/hosts", "r");
	char line[512];
	int hosts = 0, files_first = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *tok, *save = NULL;

		tok = strtok_r(line, " \t\n", &save);
		if (tok == NULL || strcmp(tok, "127.0.0.1") != 0)
			continue;
		while ((tok = strtok_r(NULL, " \t\n", &save)) != NULL)
			if (strcmp(tok, "localhost") == 0)
				hosts = 1;
	}
	fclose(f);
	f = fopen("/etc/nsswitch.conf", "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *tok, *save = NULL;

		tok = strtok_r(line, " \t\n", &save);
		if (tok == NULL || strcmp(tok, "hosts:") != 0)
			continue;
		tok = strtok_r(NULL, " \t\n", &save);
		files_first = tok != NULL && strcmp(tok, "files") == 0;
	}
	fclose(f);
	return hosts && files_first;
}

/* A name and the address it resolves to are the same device. */
static void
test_resolve_localhost_duplicate(void **state)
{
	static const char *const specs[] = { "localhost", "127.0.0.1" };
	struct efl_target t[2];
	struct efl_errbuf eb;

	(void)state;
	if (!localhost_from_files()) {
		skip();
		return;
	}
	memset(&eb, 0, sizeof(eb));
	parse_all(t, specs, 2);
	assert_int_equal(resolve(t, 2, &eb), -1);
	assert_non_null(strstr(eb.msg, "'localhost'"));
	assert_non_null(strstr(eb.msg, "'127.0.0.1'"));
	/* IPv4 preferred, port set from the target */
	assert_string_equal(t[0].addr_text, "127.0.0.1");
	assert_int_equal(ntohs(((struct sockaddr_in *)&t[0].addr)->sin_port),
	    8266);
	free_all(t, 2);
}

/* Addresses that reach many devices: multicast, the limited broadcast,
 * also v4-mapped; everything else is some single device's. */
static void
test_group_kind(void **state)
{
	static const struct {
		const char *addr;
		const char *kind;
	} cases[] = {
		{ "224.0.0.1", "a multicast address" },
		{ "224.0.0.251", "a multicast address" },
		{ "239.255.255.250", "a multicast address" },
		{ "255.255.255.255", "the broadcast address" },
		{ "ff02::1", "a multicast address" },
		{ "ff05::fb", "a multicast address" },
		{ "::ffff:224.0.0.1", "a multicast address" },
		{ "::ffff:255.255.255.255", "the broadcast address" },
		{ "223.255.255.255", NULL },
		{ "240.0.0.1", NULL },
		{ "127.0.0.1", NULL },
		{ "192.168.1.255", NULL },  /* a subnet's: see resolve.c */
		{ "fe80::1", NULL },
		{ "::1", NULL },
		{ "::ffff:127.0.0.1", NULL },
	};
	struct efl_target t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got;

		parse_ok(&t, cases[i].addr, 8266, cases[i].addr, 8266);
		assert_true(efl_target_numeric(&t));
		got = efl_sockaddr_group_kind((struct sockaddr *)&t.addr);
		if ((got == NULL) != (cases[i].kind == NULL) ||
		    (got != NULL && strcmp(got, cases[i].kind) != 0))
			fail_msg("%s: got %s", cases[i].addr,
			    got != NULL ? got : "NULL");
		efl_target_free(&t);
	}
}

/* The check over resolved targets names the first refused one. */
static void
test_check_unicast(void **state)
{
	struct efl_target t[3];
	struct efl_errbuf eb;
	size_t i;

	(void)state;
	parse_ok(&t[0], "127.0.0.1", 8266, "127.0.0.1", 8266);
	parse_ok(&t[1], "[ff02::1]:3232", 8266, "ff02::1", 3232);
	parse_ok(&t[2], "255.255.255.255", 8266, "255.255.255.255", 8266);
	for (i = 0; i < 3; i++)
		assert_true(efl_target_numeric(&t[i]));
	assert_int_equal(efl_targets_check_unicast(t, 1, &eb), 0);
	assert_int_equal(efl_targets_check_unicast(t, 3, &eb), -1);
	assert_string_equal(eb.msg, "target '[ff02::1]:3232': ff02::1 is a "
	    "multicast address, which would reach every device that "
	    "listens: give one device's address");
	for (i = 0; i < 3; i++)
		efl_target_free(&t[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_ipv6),
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_error_frees),
		cmocka_unit_test(test_numeric_v4),
		cmocka_unit_test(test_numeric_v6),
		cmocka_unit_test(test_numeric_name),
		cmocka_unit_test(test_sockaddr_text),
		cmocka_unit_test(test_resolve_numeric),
		cmocka_unit_test(test_resolve_empty),
		cmocka_unit_test(test_resolve_duplicates),
		cmocka_unit_test(test_resolve_duplicates_many),
		cmocka_unit_test(test_resolve_duplicates_v6),
		cmocka_unit_test(test_resolve_different_ports),
		cmocka_unit_test(test_resolve_keeps_known_addr),
		cmocka_unit_test(test_resolve_localhost_duplicate),
		cmocka_unit_test(test_group_kind),
		cmocka_unit_test(test_check_unicast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
