/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the rollout state file (src/fleet/rollout-state.c): a
 * state formatted and parsed back is the same; files that are truncated,
 * not JSON, of another schema version, with a field missing or wrong are
 * refused with a clear reason; a state of another image or policy is told
 * apart, saying what differs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "espfleet/rollout-state.h"

#define MD5 "0123456789abcdef0123456789abcdef"
#define POLICY "canary=3 waves=50%,100% max-failures=0 pause=0ms"

static void
sample(struct efl_rstate *s, struct efl_rstate_dev *devs)
{
	memset(s, 0, sizeof(*s));
	memset(devs, 0, 3 * sizeof(*devs));
	snprintf(s->image_md5, sizeof(s->image_md5), "%s", MD5);
	snprintf(s->policy, sizeof(s->policy), "%s", POLICY);
	s->halted = 1;
	snprintf(s->halt_reason, sizeof(s->halt_reason), "1 device failed");
	s->n = 3;
	s->devs = devs;
	snprintf(devs[0].name, sizeof(devs[0].name), "dev-1");
	snprintf(devs[0].addr, sizeof(devs[0].addr), "127.0.0.1");
	devs[0].wave = 0;
	devs[0].result = EFL_RS_VERIFIED;
	devs[0].time = 1700000000.25;
	snprintf(devs[1].name, sizeof(devs[1].name), "dev-\"2\"");
	snprintf(devs[1].addr, sizeof(devs[1].addr), "::1");
	devs[1].wave = 1;
	devs[1].result = EFL_RS_FAILED;
	snprintf(devs[1].error, sizeof(devs[1].error), "rolled-back");
	devs[1].time = 1700000001;
	snprintf(devs[2].name, sizeof(devs[2].name), "dev-3");
	devs[2].wave = -1;
	devs[2].result = EFL_RS_HALTED;
}

static void
test_round_trip(void **state)
{
	struct efl_rstate s, t;
	struct efl_rstate_dev devs[3];
	struct efl_errbuf eb;
	char *text;
	uint32_t i;

	(void)state;
	sample(&s, devs);
	text = efl_rstate_format(&s);
	assert_int_equal(efl_rstate_parse(text, strlen(text), &t, &eb), 0);
	assert_string_equal(t.image_md5, MD5);
	assert_string_equal(t.policy, POLICY);
	assert_true(t.halted);
	assert_string_equal(t.halt_reason, "1 device failed");
	assert_int_equal(t.n, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(t.devs[i].name, devs[i].name);
		assert_string_equal(t.devs[i].addr, devs[i].addr);
		assert_int_equal(t.devs[i].wave, devs[i].wave);
		assert_int_equal(t.devs[i].result, devs[i].result);
		assert_string_equal(t.devs[i].error, devs[i].error);
		assert_true(t.devs[i].time == devs[i].time);
	}
	assert_ptr_equal(efl_rstate_find(&t, "dev-3"), &t.devs[2]);
	assert_null(efl_rstate_find(&t, "dev-4"));
	assert_int_equal(efl_rstate_matches(&t, MD5, POLICY, &eb), 0);
	efl_rstate_free(&t);
	free(text);
}

static void
expect_refused(const char *text, size_t len, const char *says)
{
	struct efl_rstate t;
	struct efl_errbuf eb;

	assert_int_equal(efl_rstate_parse(text, len, &t, &eb), -1);
	if (strstr(eb.msg, says) == NULL)
		fail_msg("'%s' does not say '%s'", eb.msg, says);
	assert_null(t.devs);
}

static void
test_truncated(void **state)
{
	struct efl_rstate s;
	struct efl_rstate_dev devs[3];
	char *text;
	size_t len, cut;

	(void)state;
	sample(&s, devs);
	text = efl_rstate_format(&s);
	len = strlen(text);
	/* every proper prefix is refused (none is a whole state) */
	for (cut = 0; cut < len - 1; cut++) {
		struct efl_rstate t;
		struct efl_errbuf eb;

		assert_int_equal(efl_rstate_parse(text, cut, &t, &eb), -1);
	}
	expect_refused(text, len / 2, "truncated");
	expect_refused(text, 0, "empty");
	free(text);
}

static void
test_refused(void **state)
{
	static const char other_schema[] = "{\"schema\":2,\"image_md5\":\""
	    MD5 "\",\"policy\":\"x\",\"halted\":false,\"devices\":[]}";
	static const char no_devices[] = "{\"schema\":1,\"image_md5\":\""
	    MD5 "\",\"policy\":\"x\",\"halted\":false}";
	static const char bad_result[] = "{\"schema\":1,\"image_md5\":\""
	    MD5 "\",\"policy\":\"x\",\"halted\":false,\"devices\":[{\"name\":"
	    "\"a\",\"addr\":\"b\",\"wave\":1,\"result\":\"maybe\"}]}";
	static const char bad_wave[] = "{\"schema\":1,\"image_md5\":\""
	    MD5 "\",\"policy\":\"x\",\"halted\":false,\"devices\":[{\"name\":"
	    "\"a\",\"addr\":\"b\",\"wave\":-3,\"result\":\"pending\"}]}";

	(void)state;
	expect_refused("hello", 5, "not JSON");
	expect_refused("[1,2]", 5, "not a JSON object");
	expect_refused("{}", 2, "no \"schema\"");
	expect_refused(other_schema, strlen(other_schema),
	    "schema version 2, this espfleet reads version 1");
	expect_refused(no_devices, strlen(no_devices), "\"devices\"");
	expect_refused(bad_result, strlen(bad_result), "\"maybe\" is unknown");
	expect_refused(bad_wave, strlen(bad_wave), "\"wave\"");
}

static void
test_matches(void **state)
{
	struct efl_rstate s;
	struct efl_rstate_dev devs[3];
	struct efl_errbuf eb;

	(void)state;
	sample(&s, devs);
	assert_int_equal(efl_rstate_matches(&s,
	    "ffffffffffffffffffffffffffffffff", POLICY, &eb), -1);
	assert_non_null(strstr(eb.msg, "another image"));
	assert_non_null(strstr(eb.msg, MD5));
	assert_int_equal(efl_rstate_matches(&s, MD5,
	    "canary=4 waves=100% max-failures=0 pause=0ms", &eb), -1);
	assert_non_null(strstr(eb.msg, "another policy"));
	assert_non_null(strstr(eb.msg, "canary=4"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
