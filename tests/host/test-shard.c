/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of shards (src/fleet/shard.c): "K/N" parsing and its errors;
 * the documented rule (first 8 bytes of SHA-256 of the name, big-endian,
 * mod N, plus 1) against values computed with sha256sum; 200 names into 4
 * shards are disjoint and complete, evenly spread, and a device keeps its
 * shard when others are missing or listed in another order; the targets
 * of a shard (efl_targets_keep_shard) by device name, else as given.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/shard.h"
#include "espfleet/target.h"

static void
test_parse_ok(void **state)
{
	struct efl_shard s;
	struct efl_errbuf eb;

	(void)state;
	assert_int_equal(efl_shard_parse("1/4", &s, &eb), 0);
	assert_int_equal(s.k, 1);
	assert_int_equal(s.n, 4);
	assert_int_equal(efl_shard_parse("4/4", &s, &eb), 0);
	assert_int_equal(efl_shard_parse("1/1", &s, &eb), 0);
	assert_int_equal(efl_shard_parse("03/10", &s, &eb), 0);
	assert_int_equal(s.k, 3);
	assert_int_equal(s.n, 10);
	assert_int_equal(efl_shard_parse("10000/10000", &s, &eb), 0);
}

static void
parse_bad(const char *text, const char *want)
{
	struct efl_shard s;
	struct efl_errbuf eb;

	memset(&eb, 0, sizeof(eb));
	if (efl_shard_parse(text, &s, &eb) != -1)
		fail_msg("'%s' accepted", text);
	if (strcmp(eb.msg, want) != 0)
		fail_msg("'%s': '%s', wanted '%s'", text, eb.msg, want);
}

static void
test_parse_bad(void **state)
{
	static const char *const forms[] = { "", "1", "1/", "/4", "a/4",
		"1/b", "1/4x", "+1/4", " 1/4", "1 /4", "-1/4", "1/-4",
		"1.0/4", "1/4/5", "99999999999/4" };
	char want[80];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(want, sizeof(want), "'%s' is not K/N (shard K of N, "
		    "e.g. 2/4)", forms[i]);
		parse_bad(forms[i], want);
	}
	parse_bad("0/4", "'0/4': K must be from 1 to N (4)");
	parse_bad("5/4", "'5/4': K must be from 1 to N (4)");
	parse_bad("1/0", "'1/0': N must be from 1 to 10000");
	parse_bad("1/10001", "'1/10001': N must be from 1 to 10000");
	parse_bad("1/4\x1b[2J", "'1/4\\x1b[2J' is not K/N (shard K of N, "
	    "e.g. 2/4)");
}

/* The documented rule, checked against sha256sum:
 *   printf %s sim-0001 | sha256sum | cut -c1-16  ->  3d683453dc67fef0 */
static void
test_rule(void **state)
{
	(void)state;
	assert_int_equal(efl_shard_of("sim-0001", 4), 1);
	assert_int_equal(efl_shard_of("sim-0001", 7), 3);
	assert_int_equal(efl_shard_of("sim-0001", 10000), 5233);
	assert_int_equal(efl_shard_of("kitchen-1", 4), 4);
	assert_int_equal(efl_shard_of("kitchen-1", 7), 4);
	assert_int_equal(efl_shard_of("K\xc3\xbc" "che 3", 7), 4);
	assert_int_equal(efl_shard_of("", 2), 1);
	assert_int_equal(efl_shard_of("anything", 1), 1);
}

#define NAMES 200
#define SHARDS 4

static void
name_of(char out[32], unsigned i)
{
	snprintf(out, 32, "sim-%04u", i + 1);
}

static void
test_partition(void **state)
{
	struct efl_shard s[SHARDS];
	unsigned count[SHARDS] = { 0 }, i, k, in;
	char name[32];

	(void)state;
	for (k = 0; k < SHARDS; k++) {
		s[k].k = k + 1;
		s[k].n = SHARDS;
	}
	for (i = 0; i < NAMES; i++) {
		name_of(name, i);
		for (in = 0, k = 0; k < SHARDS; k++)
			if (efl_shard_contains(&s[k], name)) {
				in++;
				count[k]++;
			}
		/* disjoint and complete: exactly one shard each */
		if (in != 1)
			fail_msg("%s is in %u shards", name, in);
	}
	/* evenly spread: 50 expected, sd about 6 */
	for (k = 0; k < SHARDS; k++)
		if (count[k] < 30 || count[k] > 70)
			fail_msg("shard %u/%u has %u of %u", k + 1, SHARDS,
			    count[k], NAMES);
	assert_int_equal(count[0] + count[1] + count[2] + count[3], NAMES);
}

/* A shard does not depend on the other devices: every third one missing,
 * or all listed backwards, each keeps its shard. */
static void
test_independent(void **state)
{
	unsigned full[NAMES], i;
	char name[32];

	(void)state;
	for (i = 0; i < NAMES; i++) {
		name_of(name, i);
		full[i] = efl_shard_of(name, SHARDS);
	}
	for (i = NAMES; i-- > 0;) {
		if (i % 3 == 0)
			continue;
		name_of(name, i);
		assert_int_equal(efl_shard_of(name, SHARDS), full[i]);
	}
}

/* Spread holds for names that differ in one character and for many
 * shards: 1000 names over 10 shards, each 100 +- 40. */
static void
test_spread_many(void **state)
{
	unsigned count[10] = { 0 }, i;
	char name[32];

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "greenhouse-%u", i);
		count[efl_shard_of(name, 10) - 1]++;
	}
	for (i = 0; i < 10; i++)
		if (count[i] < 60 || count[i] > 140)
			fail_msg("shard %u/10 has %u of 1000", i + 1, count[i]);
}

/* 200 targets, every fifth given by address only (named by the target
 * text): the shards of a push are disjoint, together all of them, each
 * in the order given, and the rule is the one of the names. */
static void
test_keep_shard(void **state)
{
	struct efl_target *t[SHARDS];
	uint32_t n[SHARDS], i, k, total = 0;
	unsigned seen[NAMES] = { 0 };
	struct efl_errbuf eb;
	char name[32], spec[32];

	(void)state;
	for (k = 0; k < SHARDS; k++) {
		struct efl_shard s = { k + 1, SHARDS };

		t[k] = xcalloc(NAMES, sizeof(*t[k]));
		for (i = 0; i < NAMES; i++) {
			name_of(name, i);
			snprintf(spec, sizeof(spec), "192.0.2.%u:%u", i % 250,
			    8266 + i);
			assert_int_equal(efl_target_parse(&t[k][i],
			    i % 5 == 0 ? name : spec, 8266, &eb), 0);
			if (i % 5 != 0)
				t[k][i].name = xstrdup(name);
		}
		n[k] = NAMES;
		efl_targets_keep_shard(t[k], &n[k], &s);
		total += n[k];
		for (i = 0; i < n[k]; i++) {
			unsigned idx;

			assert_int_equal(sscanf(efl_target_name(&t[k][i]),
			    "sim-%u", &idx), 1);
			assert_true(idx >= 1 && idx <= NAMES);
			seen[idx - 1]++;
			assert_int_equal(efl_shard_of(efl_target_name(
			    &t[k][i]), SHARDS), k + 1);
			/* in the order given */
			if (i > 0)
				assert_true(strcmp(efl_target_name(
				    &t[k][i - 1]), efl_target_name(&t[k][i])) <
				    0);
		}
	}
	assert_int_equal(total, NAMES);
	for (i = 0; i < NAMES; i++)
		assert_int_equal(seen[i], 1);
	for (k = 0; k < SHARDS; k++) {
		for (i = 0; i < n[k]; i++)
			efl_target_free(&t[k][i]);
		free(t[k]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_partition),
		cmocka_unit_test(test_independent),
		cmocka_unit_test(test_spread_many),
		cmocka_unit_test(test_keep_shard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
