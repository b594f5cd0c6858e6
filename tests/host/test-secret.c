/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the password store (src/fleet/secret.c): one length rule
 * for every source (ESPFLEET_PASSWORD, a file, -a), never a silent cut;
 * the value lives in a page of its own that core dumps leave out (the
 * kernel's "dd" flag in /proc/self/smaps) and that is wiped on release.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "espfleet/secret.h"

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
test_env_length(void **state)
{
	struct efl_secret s;
	struct efl_errbuf eb;
	char *pw = repeat('e', EFL_PASSWORD_MAX);

	(void)state;
	memset(&s, 0, sizeof(s));
	setenv("ESPFLEET_PASSWORD", pw, 1);
	assert_int_equal(efl_secret_from_env(&s, &eb), 1);
	assert_int_equal(s.len, EFL_PASSWORD_MAX);
	assert_string_equal(s.value, pw);
	assert_null(getenv("ESPFLEET_PASSWORD"));
	efl_secret_wipe(&s);
	assert_false(s.present);
	assert_null(s.value);
	free(pw);

	/* one byte more: an error, not the first 256 bytes */
	pw = repeat('e', EFL_PASSWORD_MAX + 1);
	setenv("ESPFLEET_PASSWORD", pw, 1);
	assert_int_equal(efl_secret_from_env(&s, &eb), -1);
	assert_false(s.present);
	assert_non_null(strstr(eb.msg, "ESPFLEET_PASSWORD is longer than 256 "
	    "bytes"));
	assert_null(strstr(eb.msg, "eee"));
	/* removed all the same */
	assert_null(getenv("ESPFLEET_PASSWORD"));
	free(pw);
}

static void
test_set_length(void **state)
{
	struct efl_secret s;
	struct efl_errbuf eb;
	char *pw = repeat('a', 300);

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(efl_secret_set(&s, pw, "--auth",
	    "the password of -a/--auth", &eb), -1);
	assert_false(s.present);
	assert_string_equal(eb.msg, "the password of -a/--auth is longer "
	    "than 256 bytes (the longest password taken)");
	pw[EFL_PASSWORD_MAX] = '\0';
	assert_int_equal(efl_secret_set(&s, pw, "--auth", "x", &eb), 0);
	assert_int_equal(s.len, EFL_PASSWORD_MAX);
	efl_secret_wipe(&s);
	free(pw);
}

static void
test_file_length(void **state)
{
	char path[] = "/tmp/efl-test-secret.XXXXXX";
	struct efl_secret s;
	struct efl_errbuf eb;
	char *pw = repeat('f', EFL_PASSWORD_MAX + 1);
	FILE *f;
	int fd;

	(void)state;
	memset(&s, 0, sizeof(s));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "%s\n", pw);
	fclose(f);
	assert_int_equal(efl_secret_from_file(&s, path, &eb), -1);
	assert_non_null(strstr(eb.msg, "is longer than 256 bytes"));
	f = fopen(path, "w");
	fprintf(f, "%s\r\nsecond line\n", pw + 1);
	fclose(f);
	assert_int_equal(efl_secret_from_file(&s, path, &eb), 0);
	assert_int_equal(s.len, EFL_PASSWORD_MAX);
	assert_string_equal(s.value, pw + 1);
	efl_secret_wipe(&s);
	unlink(path);
	free(pw);
}

/* The VmFlags of the mapping of /proc/self/smaps that holds addr. */
static int
vm_flags_of(const void *addr, char *flags, size_t cap)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int inside = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, cap, "%.200s", line + 8);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

static void
test_page_left_out_of_dumps(void **state)
{
	struct efl_secret s;
	struct efl_errbuf eb;
	char flags[256];

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(efl_secret_set(&s, "Zebra-Quartz", "--auth", "x",
	    &eb), 0);
	assert_int_equal((uintptr_t)s.value % (uintptr_t)sysconf(_SC_PAGESIZE),
	    0);
	if (vm_flags_of(s.value, flags, sizeof(flags)) != 0)
		skip();  /* a kernel without smaps */
	if (strstr(flags, " dd") == NULL)
		fail_msg("the password's page is not excluded from core dumps "
		    "(VmFlags:%s)", flags);
	efl_secret_wipe(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_length),
		cmocka_unit_test(test_set_length),
		cmocka_unit_test(test_file_length),
		cmocka_unit_test(test_page_left_out_of_dumps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
