/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the TXT record reader of discovery (src/discover/txt.c):
 * what is kept, what is skipped and why, how binary text is escaped, and
 * the checks of the values espfleet interprets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/discover/txt.h"

struct problems {
	char text[16][400];
	int n;
};

static void
collect(void *arg, const char *reason)
{
	struct problems *p = arg;

	if (p->n < 16)
		snprintf(p->text[p->n++], sizeof(p->text[0]), "%s", reason);
}

static int
has_problem(const struct problems *p, const char *part)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (strstr(p->text[i], part) != NULL)
			return 1;
	return 0;
}

/* Parse NUL-free C strings (and explicit lengths where given). */
static struct efl_txt_item *
parse(const char *const *items, const size_t *lens, uint32_t n,
    uint32_t *nout, struct problems *p)
{
	const uint8_t *it[16];
	size_t len[16];
	uint32_t i;

	for (i = 0; i < n; i++) {
		it[i] = (const uint8_t *)items[i];
		len[i] = lens != NULL ? lens[i] : strlen(items[i]);
	}
	memset(p, 0, sizeof(*p));
	return txt__parse(it, len, n, nout, collect, p);
}

static void
test_pairs(void **state)
{
	static const char *const items[] = { "board=d1_mini",
		"auth_upload=no", "empty=", "" };
	struct problems p;
	uint32_t n;
	struct efl_txt_item *t = parse(items, NULL, 4, &n, &p);

	(void)state;
	assert_int_equal(n, 3);
	assert_string_equal(t[0].key, "board");
	assert_string_equal(t[0].value, "d1_mini");
	assert_string_equal(t[2].key, "empty");
	assert_string_equal(t[2].value, "");
	assert_int_equal(p.n, 0);   /* an empty item is ignored silently */
	txt__free(t, n);
}

static void
test_skipped_items(void **state)
{
	static const char long_key[] =
	    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk=v";
	static const char *const items[] = { "flag", "=v", "a\001=v",
		long_key, "Board=first", "board=second", "ok=1" };
	struct problems p;
	uint32_t n;
	struct efl_txt_item *t = parse(items, NULL, 7, &n, &p);

	(void)state;
	assert_int_equal(n, 2);
	assert_string_equal(t[0].key, "Board");
	assert_string_equal(t[0].value, "first");   /* the first one counts */
	assert_string_equal(t[1].key, "ok");
	assert_true(has_problem(&p, "'flag' has no '='"));
	assert_true(has_problem(&p, "empty key"));
	assert_true(has_problem(&p, "'a\\x01=v' has a binary key"));
	assert_true(has_problem(&p, "longer than 64 bytes"));
	assert_true(has_problem(&p, "'board=second' repeats a key"));
	assert_int_equal(p.n, 5);
	txt__free(t, n);
}

static void
test_binary_values(void **state)
{
	static const char *const items[] = { "nul=a\0b", "bad=\xc3",
		"c1=\xc2\x85", "utf8=K\xc3\xbc" "che", "esc=\033[31m" };
	static const size_t lens[] = { 7, 5, 5, 11, 9 };
	struct problems p;
	uint32_t n;
	struct efl_txt_item *t = parse(items, lens, 5, &n, &p);

	(void)state;
	assert_int_equal(n, 5);
	assert_string_equal(t[0].value, "a\\x00b");
	assert_true(t[0].binary);
	assert_string_equal(t[1].value, "\\xc3");
	assert_string_equal(t[2].value, "\\xc2\\x85");
	assert_string_equal(t[3].value, "K\xc3\xbc" "che");
	assert_false(t[3].binary);
	assert_string_equal(t[4].value, "\\x1b[31m");
	assert_int_equal(p.n, 4);
	assert_true(has_problem(&p, "binary value: kept escaped"));
	txt__free(t, n);
}

static void
derive(const char *const *items, uint32_t n, struct efl_device *d,
    struct problems *p)
{
	struct problems ignored;

	memset(d, 0, sizeof(*d));
	d->txt = parse(items, NULL, n, &d->ntxt, &ignored);
	memset(p, 0, sizeof(*p));
	txt__derive(d, collect, p);
}

static void
test_derive_agent(void **state)
{
	static const char *const items[] = { "board=d1_mini",
		"auth_upload=YES", "efa=1",
		"efa_md5=0123456789ABCDEF0123456789abcdef", "efa_ver=1.2.3",
		"efa_free=1044464", "efa_chip=esp8266", "efa_flash=4194304",
		"efa_auth=md5", "efa_state=rolled-back",
		"efa_rejected=fedcba9876543210fedcba9876543210" };
	static const char *const states[] = { "trial", "ok", "rolled-back" };
	struct efl_device d;
	struct problems p;
	size_t i;

	(void)state;
	derive(items, 11, &d, &p);
	assert_int_equal(p.n, 0);
	assert_string_equal(d.board, "d1_mini");
	assert_int_equal(d.auth_upload, 1);
	assert_true(d.agent);
	assert_string_equal(d.md5, "0123456789ABCDEF0123456789abcdef");
	assert_string_equal(d.version, "1.2.3");
	assert_int_equal(d.free_space, 1044464);
	assert_int_equal(d.flash_size, 4194304);
	assert_string_equal(d.chip, "esp8266");
	assert_string_equal(d.auth, "md5");
	assert_string_equal(d.state, "rolled-back");
	assert_string_equal(d.rejected, "fedcba9876543210fedcba9876543210");
	assert_string_equal(efl_device_txt(&d, "EFA_VER"), "1.2.3");
	assert_null(efl_device_txt(&d, "nothere"));
	txt__free(d.txt, d.ntxt);
	/* each state; none (a stock device, an older agent) */
	for (i = 0; i < 3; i++) {
		char item[32];
		const char *one[1];

		snprintf(item, sizeof(item), "efa_state=%s", states[i]);
		one[0] = item;
		derive(one, 1, &d, &p);
		assert_int_equal(p.n, 0);
		assert_string_equal(d.state, states[i]);
		assert_null(d.rejected);
		txt__free(d.txt, d.ntxt);
	}
	derive(items, 1, &d, &p);
	assert_null(d.state);
	txt__free(d.txt, d.ntxt);
}

static void
test_derive_malformed(void **state)
{
	static const char *const items[] = { "auth_upload=maybe",
		"efa_md5=0123", "efa_free=4294967296", "efa_flash=12a",
		"board=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		"bbbbbbbbbbbbbbbb", "efa_state=TRIAL",
		"efa_rejected=fedcba9876543210fedcba987654321g" };
	struct efl_device d;
	struct problems p;

	(void)state;
	derive(items, 7, &d, &p);
	assert_int_equal(d.auth_upload, -1);
	assert_null(d.md5);
	assert_int_equal(d.free_space, -1);
	assert_int_equal(d.flash_size, -1);
	assert_null(d.board);
	assert_false(d.agent);
	assert_null(d.state);
	assert_null(d.rejected);
	assert_int_equal(p.n, 7);
	assert_true(has_problem(&p, "'efa_state=TRIAL' is not trial, ok or "
	    "rolled-back"));
	assert_true(has_problem(&p, "'efa_rejected=fedcba9876543210fedcba98"));
	assert_true(has_problem(&p, "neither yes nor no"));
	assert_true(has_problem(&p, "not an MD5"));
	assert_true(has_problem(&p,
	    "'efa_free=4294967296' is not a number"));
	assert_true(has_problem(&p, "longer than 64 bytes"));
	txt__free(d.txt, d.ntxt);
}

static void
test_equal_copy(void **state)
{
	static const char *const a[] = { "x=1", "y=2" };
	static const char *const b[] = { "x=1", "y=3" };
	struct problems p;
	uint32_t na, nb;
	struct efl_txt_item *ta = parse(a, NULL, 2, &na, &p);
	struct efl_txt_item *tb = parse(b, NULL, 2, &nb, &p);
	struct efl_txt_item *tc = txt__copy(ta, na);

	(void)state;
	assert_true(txt__equal(ta, na, tc, na));
	assert_false(txt__equal(ta, na, tb, nb));
	assert_false(txt__equal(ta, na, ta, 1));
	assert_null(txt__copy(NULL, 0));
	txt__free(ta, na);
	txt__free(tb, nb);
	txt__free(tc, na);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_skipped_items),
		cmocka_unit_test(test_binary_values),
		cmocka_unit_test(test_derive_agent),
		cmocka_unit_test(test_derive_malformed),
		cmocka_unit_test(test_equal_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
