/* SPDX-License-Identifier: MIT */
/*
 * A tiny cmocka-compatible header for targets without libcmocka (lx106 under
 * QEMU, -m32 on the host), implementing exactly the subset the core's unit
 * tests use. A failed assertion prints file:line and longjmps out of the
 * test as cmocka does; cmocka_run_group_tests returns non-zero on failure.
 */
#ifndef EFA_CMOCKA_SHIM_H
#define EFA_CMOCKA_SHIM_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

/* Field for field what cmocka_unit_test() fills in cmocka 1.1. */
struct CMUnitTest {
	const char *name;
	CMUnitTestFunction test_func;
	CMFixtureFunction setup_func;
	CMFixtureFunction teardown_func;
	void *initial_state;
};

#define cmocka_unit_test(f) { #f, f, NULL, NULL, NULL }

#define cmocka_run_group_tests(group, setup, teardown)                       \
	cmshim_run(#group, group, sizeof(group) / sizeof((group)[0]),        \
	    setup, teardown)

#define assert_true(c)                                                       \
	cmshim_check((c) ? 1 : 0, #c, __FILE__, __LINE__)
#define assert_false(c)                                                      \
	cmshim_check((c) ? 0 : 1, "!(" #c ")", __FILE__, __LINE__)
#define assert_non_null(p)                                                   \
	cmshim_check((p) != NULL, #p " != NULL", __FILE__, __LINE__)
#define assert_null(p)                                                       \
	cmshim_check((p) == NULL, #p " == NULL", __FILE__, __LINE__)
#define assert_int_equal(a, b)                                               \
	cmshim_int((uintmax_t)(a), (uintmax_t)(b), 1, __FILE__, __LINE__)
#define assert_int_not_equal(a, b)                                           \
	cmshim_int((uintmax_t)(a), (uintmax_t)(b), 0, __FILE__, __LINE__)
#define assert_string_equal(a, b)                                            \
	cmshim_str((const char *)(a), (const char *)(b), __FILE__, __LINE__)
#define assert_memory_equal(a, b, n)                                         \
	cmshim_mem((const void *)(a), (const void *)(b), (size_t)(n),         \
	    __FILE__, __LINE__)

static struct {
	jmp_buf env;
	unsigned failed;
} cmshim_state;

static inline void
cmshim_puts(const char *s)
{
	fputs(s, stdout);
}

/* Decimal without '/' (lx106 libgcc has no __udivdi3): subtract powers
 * of ten, built with shifts (no __muldi3 either). */
static inline void
cmshim_put_dec(uintmax_t v)
{
	uintmax_t pow[20];
	char buf[21];
	size_t k = 0, n = 0;

	pow[0] = 1;
	while (k + 1 < sizeof(pow) / sizeof(pow[0]) &&
	    pow[k] <= UINTMAX_MAX / 10u && (pow[k] << 3) + (pow[k] << 1) <= v) {
		pow[k + 1] = (pow[k] << 3) + (pow[k] << 1);
		k++;
	}
	for (;;) {
		char d = '0';

		while (v >= pow[k]) {
			v -= pow[k];
			d++;
		}
		buf[n++] = d;
		if (k == 0)
			break;
		k--;
	}
	buf[n] = '\0';
	cmshim_puts(buf);
}

static inline void
cmshim_put_hex(uintmax_t v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[2 + 2 * sizeof(v) + 1];
	size_t n = 0;
	int shift = (int)(8 * sizeof(v)) - 4;

	buf[n++] = '0';
	buf[n++] = 'x';
	while (shift > 0 && ((v >> shift) & 0xfu) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		buf[n++] = digits[(v >> shift) & 0xfu];
	buf[n] = '\0';
	cmshim_puts(buf);
}

/* v as cmocka's LargestIntegralType: decimal (signed if the top bit is
 * set, as for a negative int) and hex. */
static inline void
cmshim_put_int(uintmax_t v)
{
	if (v >> (8 * sizeof(v) - 1)) {
		cmshim_puts("-");
		cmshim_put_dec(0u - v);
	} else {
		cmshim_put_dec(v);
	}
	cmshim_puts(" (");
	cmshim_put_hex(v);
	cmshim_puts(")");
}

/* "file:line: error: " */
static inline void
cmshim_where(const char *file, int line)
{
	cmshim_puts(file);
	cmshim_puts(":");
	cmshim_put_dec((uintmax_t)line);
	cmshim_puts(": error: ");
}

static inline void
cmshim_fail(void)
{
	cmshim_puts("\n");
	fflush(stdout);
	longjmp(cmshim_state.env, 1);
}

static inline void
cmshim_check(int ok, const char *expr, const char *file, int line)
{
	if (ok)
		return;
	cmshim_where(file, line);
	cmshim_puts(expr);
	cmshim_fail();
}

static inline void
cmshim_int(uintmax_t a, uintmax_t b, int want_equal, const char *file,
    int line)
{
	if ((a == b) == (want_equal != 0))
		return;
	cmshim_where(file, line);
	cmshim_put_int(a);
	cmshim_puts(want_equal ? " != " : " == ");
	cmshim_put_int(b);
	cmshim_fail();
}

static inline void
cmshim_str(const char *a, const char *b, const char *file, int line)
{
	if (a != NULL && b != NULL && strcmp(a, b) == 0)
		return;
	cmshim_where(file, line);
	cmshim_puts("\"");
	cmshim_puts(a != NULL ? a : "(null)");
	cmshim_puts("\" != \"");
	cmshim_puts(b != NULL ? b : "(null)");
	cmshim_puts("\"");
	cmshim_fail();
}

static inline void
cmshim_mem(const void *a, const void *b, size_t n, const char *file,
    int line)
{
	const unsigned char *x = a, *y = b;
	size_t i;

	if (a != NULL && b != NULL && memcmp(a, b, n) == 0)
		return;
	cmshim_where(file, line);
	if (a == NULL || b == NULL) {
		cmshim_puts("memory compared with NULL");
		cmshim_fail();
	}
	for (i = 0; x[i] == y[i]; i++)
		;
	cmshim_puts("memory differs at byte ");
	cmshim_put_dec(i);
	cmshim_puts(" of ");
	cmshim_put_dec(n);
	cmshim_puts(": ");
	cmshim_put_hex(x[i]);
	cmshim_puts(" != ");
	cmshim_put_hex(y[i]);
	cmshim_fail();
}

static inline int
cmshim_run(const char *group, const struct CMUnitTest *tests, size_t n,
    CMFixtureFunction setup, CMFixtureFunction teardown)
{
	static size_t i;
	static void *group_state;
	static void *state;

	cmshim_state.failed = 0;
	group_state = NULL;
	cmshim_puts("[==========] ");
	cmshim_puts(group);
	cmshim_puts(": Running ");
	cmshim_put_dec(n);
	cmshim_puts(" test(s).\n");
	if (setup != NULL && setup(&group_state) != 0) {
		cmshim_puts("[  ERROR   ] group setup failed\n");
		fflush(stdout);
		return 1;
	}
	for (i = 0; i < n; i++) {
		state = tests[i].initial_state != NULL ?
		    tests[i].initial_state : group_state;
		cmshim_puts("[ RUN      ] ");
		cmshim_puts(tests[i].name);
		cmshim_puts("\n");
		fflush(stdout);
		if (setjmp(cmshim_state.env) == 0) {
			tests[i].test_func(&state);
			cmshim_puts("[       OK ] ");
		} else {
			cmshim_state.failed++;
			cmshim_puts("[  FAILED  ] ");
		}
		cmshim_puts(tests[i].name);
		cmshim_puts("\n");
		fflush(stdout);
	}
	if (teardown != NULL)
		teardown(&group_state);
	cmshim_puts("[==========] ");
	cmshim_puts(group);
	cmshim_puts(": ");
	cmshim_put_dec(n);
	cmshim_puts(" test(s) run.\n");
	cmshim_puts("[  PASSED  ] ");
	cmshim_put_dec(n - cmshim_state.failed);
	cmshim_puts(" test(s).\n");
	if (cmshim_state.failed > 0) {
		cmshim_puts("[  FAILED  ] ");
		cmshim_put_dec(cmshim_state.failed);
		cmshim_puts(" test(s).\n");
	}
	fflush(stdout);
	/* an exit status: never let 256 failures wrap to 0 */
	return cmshim_state.failed > 255u ? 255 : (int)cmshim_state.failed;
}

#endif
