/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the rollout state file (src/fleet/rollout-state.c):
 * any text is read or refused with a message; what is read has waves in
 * range and known results, and its formatted text reads back to the same
 * state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/rollout-state.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
violation(const char *what)
{
	fprintf(stderr, "CONTRACT VIOLATION: %s\n", what);
	fuzz_abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct efl_rstate s, t;
	struct efl_errbuf eb;
	char *text;
	uint32_t i;

	eb.msg[0] = '\0';
	if (efl_rstate_parse((const char *)data, size, &s, &eb) != 0) {
		if (eb.msg[0] == '\0')
			violation("refused without a message");
		if (s.devs != NULL || s.n != 0)
			violation("a refused state keeps devices");
		return 0;
	}
	for (i = 0; i < s.n; i++) {
		if (s.devs[i].wave < -1 || s.devs[i].wave > 1000)
			violation("a wave out of range");
		if (strcmp(efl_rstate_result_name(s.devs[i].result), "?") == 0)
			violation("an unknown result");
	}
	text = efl_rstate_format(&s);
	if (efl_rstate_parse(text, strlen(text), &t, &eb) != 0)
		violation("the formatted state does not read back");
	if (t.n != s.n || t.halted != s.halted ||
	    strcmp(t.image_md5, s.image_md5) != 0 ||
	    strcmp(t.policy, s.policy) != 0)
		violation("read back with other fields");
	for (i = 0; i < s.n; i++)
		if (strcmp(t.devs[i].name, s.devs[i].name) != 0 ||
		    t.devs[i].wave != s.devs[i].wave ||
		    t.devs[i].result != s.devs[i].result)
			violation("a device read back changed");
	free(text);
	efl_rstate_free(&t);
	efl_rstate_free(&s);
	return 0;
}
