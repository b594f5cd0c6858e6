/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of target selection from discovered devices
 * (src/fleet/select.c), on hand-made devices (no avahi): --match and
 * --board, absent devices, the skip rules (already running the image, no
 * room, an unusable address; none for a filesystem image), the second
 * service of one device, the port of an HTTP push, the advertised auth
 * scheme; an inventory's device with what mDNS says of it (take_facts),
 * and names and boards that are not a discovered device's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/discover.h"
#include "espfleet/select.h"
#include "espfleet/target.h"

#define IMG_MD5 "0123456789abcdef0123456789abcdef"
#define IMG_SIZE 300000u

static struct efl_device
dev(const char *name, const char *addr, uint16_t port, const char *board)
{
	struct efl_device d;

	memset(&d, 0, sizeof(d));
	d.name = (char *)(uintptr_t)name;
	snprintf(d.addr, sizeof(d.addr), "%s", addr);
	d.port = port;
	d.board = board;
	d.present = 1;
	d.auth_upload = -1;
	d.free_space = -1;
	d.flash_size = -1;
	return d;
}

static struct efl_selection
sel_all(void)
{
	struct efl_selection s;

	memset(&s, 0, sizeof(s));
	s.image_md5 = IMG_MD5;
	s.image_size = IMG_SIZE;
	return s;
}

static struct efl_target *
select_from(const struct efl_selection *s, struct efl_device *d, uint32_t nd,
    uint32_t *n)
{
	const struct efl_device *p[16];
	uint32_t i;

	assert_true(nd <= 16);
	for (i = 0; i < nd; i++)
		p[i] = &d[i];
	return efl_select_targets(s, p, nd, n);
}

static void
free_targets(struct efl_target *t, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		efl_target_free(&t[i]);
	free(t);
}

static void
test_match_and_board(void **state)
{
	static const char *const kitchen[] = { "kitchen-*", "hall" };
	struct efl_device d[4];
	struct efl_selection s = sel_all();
	struct efl_target *t;
	uint32_t n;

	(void)state;
	d[0] = dev("kitchen-1", "192.0.2.1", 8266, "d1_mini");
	d[1] = dev("kitchen-2", "192.0.2.2", 8266, "esp32");
	d[2] = dev("hall", "192.0.2.3", 8266, NULL);
	d[3] = dev("garage", "192.0.2.4", 8266, "d1_mini");

	t = select_from(&s, d, 4, &n);     /* --all */
	assert_int_equal(n, 4);
	free_targets(t, n);

	s.match = kitchen;
	s.nmatch = 2;
	t = select_from(&s, d, 4, &n);
	assert_int_equal(n, 3);
	assert_string_equal(t[0].name, "kitchen-1");
	assert_string_equal(t[2].name, "hall");
	free_targets(t, n);

	s.board = "D1_MINI";               /* any case; and the patterns */
	t = select_from(&s, d, 4, &n);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].label, "kitchen-1");
	assert_string_equal(t[0].board, "d1_mini");
	assert_null(t[0].skip_reason);
	assert_string_equal(t[0].addr_text, "192.0.2.1");
	assert_int_equal(t[0].port, 8266);
	assert_int_equal(efl_sockaddr_port((struct sockaddr *)&t[0].addr),
	    8266);
	free_targets(t, n);

	/* gone from mDNS: never taken */
	d[3].present = 0;
	s.match = NULL;
	s.nmatch = 0;
	t = select_from(&s, d, 4, &n);
	assert_int_equal(n, 1);
	free_targets(t, n);
}

static void
test_skip_rules(void **state)
{
	struct efl_device d[5];
	struct efl_selection s = sel_all();
	struct efl_target *t;
	uint32_t n;

	(void)state;
	d[0] = dev("same", "192.0.2.1", 8266, NULL);
	d[0].md5 = "0123456789ABCDEF0123456789abcdef";   /* any case */
	d[1] = dev("small", "192.0.2.2", 8266, NULL);
	d[1].free_space = IMG_SIZE - 1;
	d[2] = dev("roomy", "192.0.2.3", 8266, NULL);
	d[2].free_space = IMG_SIZE;
	d[2].md5 = "ffffffffffffffffffffffffffffffff";
	d[3] = dev("badaddr", "not-an-address", 8266, NULL);
	d[4] = dev("stock", "192.0.2.5", 8266, NULL);   /* no agent keys */

	t = select_from(&s, d, 5, &n);
	assert_int_equal(n, 5);
	assert_string_equal(t[0].skip_reason,
	    "already running this image (efa_md5 matches)");
	assert_string_equal(t[1].skip_reason, "not enough free space "
	    "(efa_free 299999 bytes, image 300000 bytes)");
	assert_null(t[2].skip_reason);
	assert_string_equal(t[2].running_md5,
	    "ffffffffffffffffffffffffffffffff");
	assert_int_equal(t[2].free_space, IMG_SIZE);
	assert_string_equal(t[3].skip_reason,
	    "unusable address 'not-an-address'");
	assert_null(t[4].skip_reason);
	free_targets(t, n);

	/* a filesystem image: neither image check applies */
	s.command = 100;
	t = select_from(&s, d, 5, &n);
	assert_null(t[0].skip_reason);
	assert_null(t[1].skip_reason);
	assert_non_null(t[3].skip_reason);
	free_targets(t, n);
}

/* Two services at one address and port are one device; another port or
 * address is another device. */
static void
test_same_device_once(void **state)
{
	struct efl_device d[5];
	struct efl_selection s = sel_all();
	struct efl_target *t;
	uint32_t n;

	(void)state;
	d[0] = dev("a", "192.0.2.1", 8266, NULL);
	d[1] = dev("a-again", "192.0.2.1", 8266, NULL);
	d[2] = dev("a-other-port", "192.0.2.1", 3232, NULL);
	d[3] = dev("b", "192.0.2.2", 8266, NULL);
	d[4] = dev("b-v4mapped", "::ffff:192.0.2.2", 8266, NULL);
	t = select_from(&s, d, 5, &n);
	assert_int_equal(n, 5);
	assert_null(t[0].skip_reason);
	assert_string_equal(t[1].skip_reason,
	    "same device as 'a' (192.0.2.1 port 8266)");
	assert_null(t[2].skip_reason);
	assert_null(t[3].skip_reason);
	assert_non_null(t[4].skip_reason);
	assert_non_null(strstr(t[4].skip_reason, "same device as 'b'"));
	free_targets(t, n);

	/* a skipped first service does not hide the second */
	d[0].md5 = IMG_MD5;
	t = select_from(&s, d, 2, &n);
	assert_non_null(t[0].skip_reason);
	assert_null(t[1].skip_reason);
	free_targets(t, n);
}

/* --via http: the update page's port, not the advertised OTA port; then
 * two services of one host are one device even on different OTA ports. */
static void
test_http_port(void **state)
{
	struct efl_device d[2];
	struct efl_selection s = sel_all();
	struct efl_target *t;
	uint32_t n;

	(void)state;
	d[0] = dev("a", "192.0.2.1", 8266, NULL);
	d[1] = dev("a-esp32", "192.0.2.1", 3232, NULL);
	s.port = 80;
	t = select_from(&s, d, 2, &n);
	assert_int_equal(t[0].port, 80);
	assert_int_equal(efl_sockaddr_port((struct sockaddr *)&t[0].addr), 80);
	assert_non_null(t[1].skip_reason);
	free_targets(t, n);
}

static void
test_link_local_and_auth(void **state)
{
	struct efl_device d[3];
	struct efl_selection s = sel_all();
	struct efl_target *t;
	uint32_t n;

	(void)state;
	d[0] = dev("ll", "fe80::1%lo", 8266, NULL);
	d[0].auth = "sha256";
	d[1] = dev("md5", "192.0.2.2", 8266, NULL);
	d[1].auth = "md5";
	d[2] = dev("odd", "192.0.2.3", 8266, NULL);
	d[2].auth = "rot13";
	t = select_from(&s, d, 3, &n);
	assert_null(t[0].skip_reason);
	assert_string_equal(t[0].addr_text, "fe80::1%lo");
	assert_true(((struct sockaddr_in6 *)&t[0].addr)->sin6_scope_id != 0);
	assert_int_equal(t[0].auth_scheme, EFA_AUTH_SHA256);
	assert_int_equal(t[1].auth_scheme, EFA_AUTH_MD5);
	assert_int_equal(t[2].auth_scheme, EFA_AUTH_NONE);
	free_targets(t, n);
}

/* The rule of --match and --board on a name and a board alone (an
 * inventory's devices); a discovered device is named by mDNS. */
static void
test_name_board(void **state)
{
	static const char *const pats[] = { "kitchen-*", "hall" };
	struct efl_selection s = sel_all();
	struct efl_device d[1];
	struct efl_target *t;
	uint32_t n;

	(void)state;
	assert_true(efl_select_name_board(&s, "anything", NULL));
	s.match = pats;
	s.nmatch = 2;
	assert_true(efl_select_name_board(&s, "kitchen-3", NULL));
	assert_true(efl_select_name_board(&s, "hall", "esp32"));
	assert_false(efl_select_name_board(&s, "hall-2", NULL));
	s.board = "ESP32";
	assert_true(efl_select_name_board(&s, "hall", "esp32"));
	assert_false(efl_select_name_board(&s, "hall", NULL));
	assert_false(efl_select_name_board(&s, "hall", "d1_mini"));

	d[0] = dev("hall", "192.0.2.3", 8266, "esp32");
	t = select_from(&s, d, 1, &n);
	assert_int_equal(n, 1);
	assert_true(t[0].mdns_named);
	free_targets(t, n);
}

/* An inventory's device found over mDNS takes its TXT facts and the skip
 * reasons of a discovered device; one skipped already stays so; a
 * filesystem image is never skipped for them. */
static void
test_take_facts(void **state)
{
	struct efl_selection s = sel_all();
	struct efl_device d;
	struct efl_target t;
	struct efl_errbuf eb;

	(void)state;
	d = dev("mdns-name", "192.0.2.9", 8266, "esp32");
	d.md5 = IMG_MD5;
	d.auth_upload = 1;
	d.auth = "sha256";
	assert_int_equal(efl_target_parse(&t, "192.0.2.9", 8266, &eb), 0);
	t.name = strdup("inventory-name");
	efl_select_take_facts(&s, &t, &d);
	assert_string_equal(t.name, "inventory-name");
	assert_false(t.mdns_named);
	assert_string_equal(t.board, "esp32");
	assert_string_equal(t.running_md5, IMG_MD5);
	assert_int_equal(t.auth_upload, 1);
	assert_int_equal(t.auth_scheme, EFA_AUTH_SHA256);
	assert_string_equal(t.skip_reason,
	    "already running this image (efa_md5 matches)");
	/* taken again (a second look): no leak, the first reason stays */
	d.md5 = NULL;
	d.free_space = 1000;
	efl_select_take_facts(&s, &t, &d);
	assert_string_equal(t.skip_reason,
	    "already running this image (efa_md5 matches)");
	assert_null(t.running_md5);
	efl_target_free(&t);

	assert_int_equal(efl_target_parse(&t, "192.0.2.9", 8266, &eb), 0);
	efl_select_take_facts(&s, &t, &d);
	assert_non_null(strstr(t.skip_reason, "not enough free space"));
	efl_target_free(&t);

	s.command = 100;
	assert_int_equal(efl_target_parse(&t, "192.0.2.9", 8266, &eb), 0);
	efl_select_take_facts(&s, &t, &d);
	assert_null(t.skip_reason);
	efl_target_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_and_board),
		cmocka_unit_test(test_skip_rules),
		cmocka_unit_test(test_same_device_once),
		cmocka_unit_test(test_http_port),
		cmocka_unit_test(test_link_local_and_auth),
		cmocka_unit_test(test_name_board),
		cmocka_unit_test(test_take_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
